// Draw the case's process diagram with the bpmn-js viewer and mark completed and current steps.
(function () {
  "use strict";

  var container = document.getElementById("diagram");
  var source = document.getElementById("diagram-data");
  if (!container || !source || typeof window.BpmnJS !== "function") {
    return;
  }

  var data;
  try {
    data = JSON.parse(source.textContent);
  } catch (error) {
    return;
  }
  if (!data || !data.xml) {
    return;
  }

  container.classList.add("diagram-ready");
  var viewer = new window.BpmnJS({ container: container });

  function mark(canvas, registry, ids, marker) {
    (ids || []).forEach(function (id) {
      // Steps of a called process are not drawn in the main diagram, so skip ids it lacks.
      if (registry.get(id)) {
        canvas.addMarker(id, marker);
      }
    });
  }

  viewer.importXML(data.xml).then(function () {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    mark(canvas, registry, data.completed, "sanad-completed");
    mark(canvas, registry, data.current, "sanad-current");
  }).catch(function (error) {
    container.classList.remove("diagram-ready");
    if (window.console) {
      window.console.error("The process diagram could not be drawn:", error);
    }
  });
})();
