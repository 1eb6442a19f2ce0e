"""A fake GitHub, Hugging Face (OpenID Connect) and ORCID, served over real HTTP on 127.0.0.1.

Each speaks the part of its provider's OAuth 2 that allauth uses, and checks it as the real one
would: the authorize step redirects to the registered callback with a one-time code and the
client's state; the token step wants that code, the same redirect_uri, the client's id and
secret (and the PKCE verifier when a challenge was sent); the profile endpoints want the access
token. Who "signs in" at the provider is set by the test: `provider.person("github", {...})`.

    /github/login/oauth/authorize, /github/login/oauth/access_token,
    /github/api/v3/user, /github/api/v3/user/emails
    /hf/.well-known/openid-configuration, /hf/oauth/authorize, /hf/oauth/token,
    /hf/oauth/userinfo, /hf/oauth/jwks
    /orcid/oauth/authorize, /orcid/oauth/token, /orcid/v3.0/<iD>/record
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt

CLIENTS = {
    "github": ("github-client-id", "github-client-secret"),
    "hf": ("hf-client-id", "hf-client-secret"),
    "orcid": ("APP-ORCIDCLIENTID1", "orcid-client-secret"),
}


class FakeProvider:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.fake = self
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.people: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request served
        self.id_token_key = secrets.token_hex(32)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)

    def person(self, provider: str, profile: dict) -> None:
        """Who is signed in at `provider` ("github", "hf", "orcid") for the next authorization."""
        self.people[provider] = profile

    def paths(self) -> list[str]:
        return [path for _, path in self.requests]


def _b64url_sha256(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format, *args) -> None:  # keep the test output clean
        pass

    @property
    def fake(self) -> FakeProvider:
        return self.server.fake

    # Plumbing ------------------------------------------------------------------------------
    def _send(self, status: int, body: object = b"", headers: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if not isinstance(body, bytes):
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        return {k: v[0] for k, v in parse_qs(body).items()}

    def _bearer(self) -> dict | None:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return None
        return self.fake.tokens.get(token)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        self.fake.requests.append((method, parts.path))
        provider, _, rest = parts.path.lstrip("/").partition("/")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        routes = {
            ("GET", "github", "login/oauth/authorize"): self.authorize,
            ("POST", "github", "login/oauth/access_token"): self.token,
            ("GET", "github", "api/v3/user"): self.github_user,
            ("GET", "github", "api/v3/user/emails"): self.github_emails,
            ("GET", "hf", ".well-known/openid-configuration"): self.hf_configuration,
            ("GET", "hf", "oauth/authorize"): self.authorize,
            ("POST", "hf", "oauth/token"): self.token,
            ("GET", "hf", "oauth/userinfo"): self.hf_userinfo,
            ("GET", "orcid", "oauth/authorize"): self.authorize,
            ("POST", "orcid", "oauth/token"): self.token,
        }
        handler = routes.get((method, provider, rest))
        if handler is None and method == "GET" and provider == "orcid" and rest.endswith("/record"):
            handler = self.orcid_record
        if handler is None:
            self._send(HTTPStatus.NOT_FOUND, {"error": "not_found"})
            return
        handler(provider, query)

    # OAuth 2 -------------------------------------------------------------------------------
    def authorize(self, provider: str, query: dict) -> None:
        client_id, _ = CLIENTS[provider]
        if query.get("client_id") != client_id or query.get("response_type") != "code":
            self._send(HTTPStatus.BAD_REQUEST, {"error": "invalid_request"})
            return
        person = self.fake.people.get(provider)
        redirect_uri = query["redirect_uri"]
        if person is None:
            target = (
                f"{redirect_uri}?{urlencode({'error': 'access_denied', 'state': query['state']})}"
            )
            self._send(HTTPStatus.FOUND, headers={"Location": target})
            return
        code = secrets.token_urlsafe(16)
        with self.fake._lock:
            self.fake.codes[code] = {
                "provider": provider,
                "person": dict(person),
                "redirect_uri": redirect_uri,
                "challenge": query.get("code_challenge"),
                "nonce": query.get("nonce"),
            }
        target = f"{redirect_uri}?{urlencode({'code': code, 'state': query['state']})}"
        self._send(HTTPStatus.FOUND, headers={"Location": target})

    def token(self, provider: str, query: dict) -> None:
        form = self._form()
        client_id, secret = CLIENTS[provider]
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            given_id, _, given_secret = base64.b64decode(basic[6:]).decode().partition(":")
        else:
            given_id, given_secret = form.get("client_id"), form.get("client_secret")
        with self.fake._lock:
            grant = self.fake.codes.pop(form.get("code", ""), None)  # a code works once
        if (
            grant is None
            or grant["provider"] != provider
            or (given_id, given_secret) != (client_id, secret)
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant["redirect_uri"]
            or (
                grant["challenge"]
                and _b64url_sha256(form.get("code_verifier", "")) != grant["challenge"]
            )
        ):
            self._send(HTTPStatus.BAD_REQUEST, {"error": "invalid_grant"})
            return
        access = secrets.token_urlsafe(24)
        self.fake.tokens[access] = {"provider": provider, "person": grant["person"]}
        answer: dict = {"access_token": access, "token_type": "bearer"}
        person = grant["person"]
        if provider == "orcid":
            answer.update(orcid=person["orcid"], name=person.get("name", ""), scope="/authenticate")
        if provider == "hf":
            now = int(time.time())
            claims = {
                "iss": f"{self.fake.base}/hf",
                "aud": client_id,
                "sub": person["sub"],
                "preferred_username": person["preferred_username"],
                "iat": now,
                "exp": now + 600,
            }
            if grant["nonce"]:
                claims["nonce"] = grant["nonce"]
            answer["id_token"] = jwt.encode(
                claims, self.fake.id_token_key, algorithm="HS256", headers={"kid": "fake"}
            )
        self._send(HTTPStatus.OK, answer)

    # Profiles ------------------------------------------------------------------------------
    def _person(self, provider: str) -> dict | None:
        grant = self._bearer()
        if grant is None or grant["provider"] != provider:
            self._send(HTTPStatus.UNAUTHORIZED, {"message": "Bad credentials"})
            return None
        return grant["person"]

    def github_user(self, provider: str, query: dict) -> None:
        person = self._person(provider)
        if person is not None:
            profile = {k: v for k, v in person.items() if k != "emails"}
            profile.setdefault("html_url", f"https://github.com/{person['login']}")
            self._send(HTTPStatus.OK, profile)

    def github_emails(self, provider: str, query: dict) -> None:
        person = self._person(provider)
        if person is not None:
            self._send(HTTPStatus.OK, person.get("emails", []))

    def hf_configuration(self, provider: str, query: dict) -> None:
        base = f"{self.fake.base}/hf"
        self._send(
            HTTPStatus.OK,
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/oauth/authorize",
                "token_endpoint": f"{base}/oauth/token",
                "userinfo_endpoint": f"{base}/oauth/userinfo",
                "jwks_uri": f"{base}/oauth/jwks",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "scopes_supported": ["openid", "profile", "email"],
            },
        )

    def hf_userinfo(self, provider: str, query: dict) -> None:
        person = self._person(provider)
        if person is not None:
            self._send(HTTPStatus.OK, person)

    def orcid_record(self, provider: str, query: dict) -> None:
        # The public API answers without a token; the iD in the path picks the record.
        orcid = self.path.split("/")[3]
        person = next(
            (g["person"] for g in self.fake.tokens.values() if g["person"].get("orcid") == orcid),
            None,
        )
        if person is None:
            self._send(HTTPStatus.NOT_FOUND, {"error": "not_found"})
            return
        given, _, family = person.get("name", "").partition(" ")
        emails = [{"email": e} for e in person.get("emails", [])]
        self._send(
            HTTPStatus.OK,
            {
                "orcid-identifier": {
                    "uri": f"https://orcid.org/{orcid}",
                    "path": orcid,
                    "host": "orcid.org",
                },
                "person": {
                    "name": {
                        "given-names": {"value": given},
                        "family-name": {"value": family},
                    },
                    "emails": {"email": emails},
                },
            },
        )
