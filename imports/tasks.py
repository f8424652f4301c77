from celery import shared_task


@shared_task(name="imports.run_import", acks_late=True, ignore_result=True)
def run_import(batch_id: int) -> str:
    """Run a confirmed import (imports.services.import_run). Safe to run twice: only a queued
    batch is claimed, so a redelivered task does nothing."""
    from imports.services import import_run

    return import_run(batch_id=batch_id).state
