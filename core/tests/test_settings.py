import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_check(env, *args):
    # A clean environment: none of the test run's own settings leak into the checked process.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_production_requires_a_secret_key():
    result = run_check({"DEBUG": "false", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/lamandau"})
    assert result.returncode != 0 and "SECRET_KEY is required" in result.stderr


def test_without_any_environment_a_local_random_key_is_used(tmp_path):
    result = run_check({})
    assert result.returncode == 0, result.stderr
    key = (ROOT / "var" / "secret_key").read_text()
    assert len(key) >= 50 and key == (ROOT / "var" / "secret_key").read_text()


def test_a_boolean_variable_must_be_true_or_false():
    result = run_check({"DEBUG": "maybe"})
    assert result.returncode != 0 and "DEBUG must be true or false" in result.stderr


def test_deploy_check_is_clean_with_production_values():
    result = run_check(
        {"DEBUG": "false", "SECRET_KEY": "k" * 20 + "9Zq!x7LmP2vR8sT4wY6uB1nC3dE5fG0h", "ALLOWED_HOSTS": "bpjs.example.go.id"},
        "--deploy", "--fail-level", "WARNING",
    )
    assert result.returncode == 0, result.stderr


def test_the_embedded_default_runs_with_no_environment():
    result = run_check({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr
