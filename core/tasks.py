import os
import socket

from celery import shared_task


@shared_task(name="core.ping")
def ping() -> dict[str, object]:
    """Answer with the process that ran the task; used by /readyz-style probes and tests."""
    return {"pid": os.getpid(), "hostname": socket.gethostname()}
