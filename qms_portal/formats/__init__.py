"""The portal's date and time formats by language (Django ``FORMAT_MODULE_PATH``); read through ``presentation.day``."""
