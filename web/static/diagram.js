// Draw the case's process diagram with the bpmn-js navigated viewer (drag to pan, Ctrl + wheel to zoom),
// mark completed and current steps, and bring the first current step into view.
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

  // Below this scale the labels of a fitted, wide diagram are too small to read.
  var MIN_READABLE_ZOOM = 0.6;

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

  function firstDrawn(registry, ids) {
    var found = (ids || []).filter(function (id) {
      return registry.get(id);
    });
    return found.length ? registry.get(found[0]) : null;
  }

  viewer.importXML(data.xml).then(function () {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    mark(canvas, registry, data.completed, "sanad-completed");
    mark(canvas, registry, data.current, "sanad-current");

    var current = firstDrawn(registry, data.current);
    if (current) {
      if (canvas.zoom() < MIN_READABLE_ZOOM) {
        canvas.zoom(MIN_READABLE_ZOOM);
      }
      canvas.scrollToElement(current, 80);
    }
  }).catch(function (error) {
    container.classList.remove("diagram-ready");
    if (window.console) {
      window.console.error("The process diagram could not be drawn:", error);
    }
  });
})();
