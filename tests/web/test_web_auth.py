"""Logging in, CSRF protection, the language switch and the pages that need no login."""



def test_login_success_redirects_home(browser):
    response = browser.login("ecole.demo")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    home = browser.get("/")
    assert home.status_code == 302
    assert home.headers["Location"].endswith("/inbox")


def test_login_failure_same_message(browser):
    wrong_password = browser.login("ecole.demo", "not-the-password")
    unknown_user = browser.login("nobody.demo")
    assert wrong_password.status_code == 401
    assert unknown_user.status_code == 401
    message = "Nom d’utilisateur ou mot de passe incorrect."
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown_user.get_data(as_text=True)


def test_login_page_keeps_username(browser):
    response = browser.login("ecole.demo", "wrong")
    assert 'value="ecole.demo"' in response.get_data(as_text=True)


def test_post_without_csrf_rejected(client):
    response = client.post("/login", data={"username": "ecole.demo", "password": "whatever"})
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)


def test_pages_require_login(client):
    for url in ("/", "/inbox", "/cases", "/cases/new", "/notifications", "/processes", "/admin"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url


def test_healthz_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_language_switch_renders_rtl(login_as):
    browser = login_as("province.demo")
    french = browser.get("/inbox").get_data(as_text=True)
    assert 'lang="fr" dir="ltr"' in french
    assert "Boîte de réception" in french

    response = browser.post_form("/inbox", {"locale": "ar", "next": "/inbox"}, action="/language")
    try:
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/inbox")
        arabic = browser.get("/inbox").get_data(as_text=True)
        assert 'lang="ar" dir="rtl"' in arabic
        assert "صندوق الوارد" in arabic
        assert "المديرية الإقليمية" in arabic
    finally:
        # The choice is stored on the account, which later tests reuse.
        browser.post_form("/inbox", {"locale": "fr", "next": "/inbox"}, action="/language")
    assert 'dir="ltr"' in browser.get("/inbox").get_data(as_text=True)


def test_language_switch_ignores_foreign_next(login_as):
    browser = login_as("ecole.demo")
    response = browser.post_form("/inbox", {"locale": "fr", "next": "https://example.com/"}, action="/language")
    assert response.status_code == 302
    assert "example.com" not in response.headers["Location"]


def test_logout_needs_post(login_as):
    browser = login_as("ecole.demo")
    assert browser.get("/logout").status_code == 405
    response = browser.post_form("/inbox", {}, action="/logout")
    assert response.status_code == 302
    assert browser.get("/inbox").status_code == 302


def test_every_form_has_csrf_token(login_as):
    browser = login_as("ecole.demo")
    html = browser.get("/cases/new").get_data(as_text=True)
    forms = html.count("<form ")
    assert forms >= 3
    assert html.count('name="csrf_token"') == forms
    assert 'enctype="multipart/form-data"' in html


def fetch_status(client, url: str) -> int:
    """Return the status of a GET, closing the response so a served file is not left open."""
    response = client.get(url)
    response.close()
    return response.status_code


def test_vendor_bpmn_js_served(client):
    assert fetch_status(client, "/vendor/bpmn-js/bpmn-viewer.production.min.js") == 200
    assert fetch_status(client, "/vendor/bpmn-js/assets/bpmn-js.css") == 200
    assert fetch_status(client, "/vendor/bpmn-js/missing.js") == 404
    assert fetch_status(client, "/vendor/bpmn-js/../package.json") == 404
