#!/usr/bin/env python
import os
import sys

from django.core.management import execute_from_command_line

from survivorship.env import exit_on_config_error


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "survivorship.settings")

    with exit_on_config_error():
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
