"""chofu-tui: 地域福祉コーディネーターの活動記録と目標の進捗."""

import sys

__version__ = "0.1.0"

# peewee imports psycopg when it is installed (about 160 ms), and every start imports peewee:
# keep it out until a postgresql:// URL is opened (store/pg.py then loads it).
if "peewee" not in sys.modules:
    sys.modules.setdefault("psycopg", None)  # type: ignore[arg-type]
