"""``python -m kgpu.provider``: run the provider agent without the ``kgpu`` command tree."""

import sys

from kgpu.provider.command import main

sys.exit(main())
