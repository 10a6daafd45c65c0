"""The consulate page and the widget's static files (FastAPI TestClient, no Rasa needed)."""

import pytest
from fastapi.testclient import TestClient

from servicio.web.app import content_security_policy, crear_app, rasa_origins
from tests.ayudas import ADMIN_KEY, ASSISTANT_KEY


@pytest.fixture
def make_client(monkeypatch, tmp_path):
    monkeypatch.setenv("ORIENTA_ASSISTANT_API_KEY", ASSISTANT_KEY)
    monkeypatch.setenv("ORIENTA_ADMIN_API_KEY", ADMIN_KEY)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'web.db'}")

    def make(rasa_url: str | None = None) -> TestClient:
        if rasa_url is None:
            monkeypatch.delenv("ORIENTA_RASA_PUBLIC_URL", raising=False)
        else:
            monkeypatch.setenv("ORIENTA_RASA_PUBLIC_URL", rasa_url)
        return TestClient(crear_app())

    return make


def test_page_renders_in_spanish_with_the_widget(make_client):
    response = make_client("https://rasa.example.org").get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="es-MX">' in html
    assert "Consulado de México" in html and "Ventanilla de Salud" in html
    assert 'name="viewport"' in html
    assert (
        '<script src="/static/orienta-chat.js" data-rasa-url="https://rasa.example.org" defer>'
        in html
    )


def test_default_rasa_url_is_localhost_5005(make_client):
    assert 'data-rasa-url="http://localhost:5005"' in make_client().get("/").text


def test_page_shows_the_embed_snippet(make_client):
    html = make_client("https://rasa.example.org").get("/").text
    # Shown as text (escaped), with the absolute URL of this server.
    assert (
        '<code>&lt;script src="http://testserver/static/orienta-chat.js" '
        'data-rasa-url="https://rasa.example.org" defer&gt;&lt;/script&gt;</code>' in html
    )


def test_rasa_url_is_escaped_not_injected(make_client):
    evil = "https://x.example/\"><script>alert(1)</script><img src=x onerror=alert(2)>'x"
    response = make_client(evil).get("/")
    html = response.text
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert '"><' not in html.split("<body>", 1)[1].replace('"><code>', "")
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#39;x" in html
    # Exactly one real <script> tag: the widget.
    assert html.count("<script") == 1
    # Only the parsed origin reaches the CSP header.
    csp = response.headers["content-security-policy"]
    assert "connect-src 'self' https://x.example wss://x.example;" in csp
    assert not any(c in csp for c in '<>"')


def test_page_sends_a_strict_csp_that_allows_rasa(make_client):
    csp = make_client("https://rasa.example.org:8443/").get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "connect-src 'self' https://rasa.example.org:8443 wss://rasa.example.org:8443" in csp


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost:5005", ["http://localhost:5005", "ws://localhost:5005"]),
        ("https://bot.consulado.mx", ["https://bot.consulado.mx", "wss://bot.consulado.mx"]),
        ("javascript:alert(1)", []),
        ("http://a b/", []),
        ("http://host:99999", []),
        ("not a url", []),
    ],
)
def test_rasa_origins(url, expected):
    assert rasa_origins(url) == expected
    assert ("alert" in content_security_policy(url)) is False


@pytest.mark.parametrize(
    ("path", "content_type", "needle"),
    [
        ("/static/orienta-chat.js", "javascript", "user_uttered"),
        ("/static/orienta-chat.css", "text/css", ".oc-panel"),
        ("/static/demo.css", "text/css", ".hero"),
        ("/static/vendor/socket.io.min.js", "javascript", "Socket.IO v4"),
        ("/static/vendor/socket.io-client.LICENSE", "", "MIT License"),
        ("/static/favicon.svg", "image/svg+xml", "<svg"),
    ],
)
def test_static_files_are_served(make_client, path, content_type, needle):
    response = make_client().get(path)
    assert response.status_code == 200
    assert content_type in response.headers["content-type"]
    assert needle in response.text


def test_missing_static_file_is_a_404(make_client):
    assert make_client().get("/static/nope.js").status_code == 404


def test_enrollment_api_is_still_served(make_client):
    client = make_client()
    assert client.get("/v1/inscripciones").status_code in (401, 403, 404, 405)
    assert client.get("/openapi.json").status_code == 200


def test_widget_never_uses_inner_html():
    from servicio.web.app import STATIC_DIR

    source = (STATIC_DIR / "orienta-chat.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source


def test_privacy_notice_is_served_with_the_consent_version(make_client):
    from bot.lectura import AVISO_PRIVACIDAD_VERSION

    response = make_client().get("/privacidad")
    assert response.status_code == 200
    assert "Aviso de privacidad" in response.text and AVISO_PRIVACIDAD_VERSION in response.text
    assert "BORRAR MIS DATOS" in response.text


def test_privacy_notice_says_who_holds_sees_and_keeps_the_data_and_that_imss_gets_nothing(
    make_client,
):
    texto = " ".join(make_client().get("/privacidad").text.split())
    assert "El equipo de Orienta" in texto  # no invented legal entity
    assert "promotores de la ventanilla de tu consulado" in texto
    assert "180 días" in texto and "hasta que pidas que lo borremos" in texto
    assert "Orienta no manda nada al IMSS" in texto and "plataforma del IMSS" in texto


def test_kiosk_page_turns_browser_storage_off(make_client):
    c = make_client()
    assert 'data-kiosk="true"' in c.get("/?kiosko=1").text
    assert "data-kiosk" not in c.get("/").text


def test_page_links_its_favicon(make_client):
    html = make_client().get("/").text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


def test_widget_root_is_spanish_and_only_its_list_scrolls():
    """Screen readers read the widget in Spanish on any host page; the panel never scrolls
    (its header and close button stay), only the message list does."""
    import re

    from servicio.web.app import STATIC_DIR

    js = (STATIC_DIR / "orienta-chat.js").read_text()
    assert 'el("div", "oc-root", { lang: "es" })' in js
    css = (STATIC_DIR / "orienta-chat.css").read_text()
    panel = re.search(r"\.oc-panel \{([^}]*)\}", css).group(1)
    assert "overflow: clip" in panel
    lista = re.search(r"\.oc-log \{([^}]*)\}", css).group(1)
    assert "min-height: 0" in lista and "overflow-y: auto" in lista
