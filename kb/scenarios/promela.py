"""Promela export (placeholder; replaced below)."""


def export_promela(scenario, variant="base", condition=None, check_always=False):
    raise NotImplementedError
