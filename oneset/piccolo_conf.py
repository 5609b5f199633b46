"""Piccolo configuration built from OneSet settings (``PICCOLO_CONF=oneset.piccolo_conf``)."""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from kernel.db import make_engine
from kernel.settings import get_settings
from oneset.wiring import PICCOLO_APPS

DB = make_engine(get_settings())
APP_REGISTRY = AppRegistry(apps=list(PICCOLO_APPS))
