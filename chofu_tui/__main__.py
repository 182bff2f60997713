import sys

from chofu_tui.cli import main

sys.exit(main())
