import sys

from ingest.labels.cli import main

sys.exit(main())
