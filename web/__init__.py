"""The web interface: server-rendered search pages and a JSON API over the archive.

`web.app.create_app(archive)` builds the WSGI application; `web.serve.serve`
runs it on waitress (`archive serve`); `web.wsgi.application` is the entry point
for other WSGI servers (`gunicorn web.wsgi:application`).
"""
