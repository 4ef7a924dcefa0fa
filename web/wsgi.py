"""The WSGI application for servers other than `archive serve`.

    ARCHIVE_DOCUMENTS=/srv/archive/documents ARCHIVE_INDEX=/srv/archive/index \
        gunicorn --workers 2 --threads 8 web.wsgi:application

(uWSGI: `--module web.wsgi:application`; mod_wsgi: `WSGIScriptAlias / .../web/wsgi.py`.)
Importing this module only builds the app: it never indexes. Build the index
with `archive index` (for example from cron) before or after starting; until it
exists, pages answer 503 "the archive is being prepared".
"""

from archive import Archive
from web.app import create_app

application = create_app(Archive())
