"""Lift a sign-in lockout (django-axes) before its cool-off ends: `manage.py unlock_account operator`,
`--ip 10.0.0.7`, or both. Audited in the account's trail (core.accounts.unlock)."""

from django.core.management.base import BaseCommand, CommandError

from core.accounts import unlock


class Command(BaseCommand):
    help = "Buka kunci akun atau alamat IP yang terkunci karena terlalu sering gagal masuk."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="nama pengguna")
        parser.add_argument("--ip", dest="ip_address", help="alamat IP")

    def handle(self, *args, username=None, ip_address=None, **options):
        if not username and not ip_address:
            raise CommandError("Sebutkan nama pengguna dan/atau --ip.")
        removed = unlock(username=username, ip_address=ip_address, by=None)
        self.stdout.write(f"Kunci dibuka: {removed} catatan percobaan dihapus.")
