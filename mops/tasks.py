from celery import shared_task
from django.core.management import call_command


@shared_task
def back_up_database() -> str:
    """Nightly: a backup of the database into ``BACKUP_DIR``, then only the newest
    ``BACKUP_KEEP`` kept. Returns the new backup's file name."""
    from .backups import back_up

    backup, _deleted = back_up()
    return backup.name


@shared_task
def clear_expired_sessions() -> None:
    """Nightly housekeeping: drop expired sessions (idempotent)."""
    call_command("clearsessions")


@shared_task
def prune_table_changes() -> int:
    """Every ten minutes: drop the table-change rows no cached panel can need any more."""
    from .table_changes import prune

    return prune()
