from pathlib import Path

import pytest

from xraylab.data import kaggle


def test_missing_credentials_say_where_they_go(tmp_path: Path):
    with pytest.raises(kaggle.KaggleCredentialsError) as error:
        kaggle.check_credentials({}, home=tmp_path)
    message = str(error.value)
    assert f"put kaggle.json (from kaggle.com → Settings → API) in {tmp_path}/.kaggle/" in message
    assert "KAGGLE_USERNAME and KAGGLE_KEY" in message and "\n" not in message


@pytest.mark.parametrize("environ, token_file", [
    ({"KAGGLE_USERNAME": "me", "KAGGLE_KEY": "secret"}, None),
    ({"KAGGLE_API_TOKEN": "token"}, None),
    ({}, ".kaggle/kaggle.json"),
    ({"KAGGLE_CONFIG_DIR": "conf"}, "conf/access_token"),
])
def test_any_supported_credential_passes(tmp_path: Path, environ: dict, token_file: str | None):
    if token_file:
        (tmp_path / token_file).parent.mkdir(parents=True)
        (tmp_path / token_file).write_text('{"username": "me", "key": "secret"}' if token_file.endswith(".json")
                                           else "a-token")
    environ = {key: str(tmp_path / value) if key == "KAGGLE_CONFIG_DIR" else value for key, value in environ.items()}
    kaggle.check_credentials(environ, home=tmp_path)


def test_half_a_key_is_not_enough(tmp_path: Path):
    with pytest.raises(kaggle.KaggleCredentialsError):
        kaggle.check_credentials({"KAGGLE_USERNAME": "me"}, home=tmp_path)


@pytest.mark.parametrize("content, problem", [
    ("", "is empty"),
    ("{}", "has no username and no key"),
    ('{"username": "me", "key": ""}', "has no key"),
    ("<html>sign in</html>", "is not JSON"),
])
def test_a_token_file_that_cannot_work_is_named_with_what_is_wrong(tmp_path: Path, content: str, problem: str):
    token = tmp_path / ".kaggle" / "kaggle.json"
    token.parent.mkdir()
    token.write_text(content)
    with pytest.raises(kaggle.KaggleCredentialsError) as error:
        kaggle.check_credentials({}, home=tmp_path)
    assert str(error.value).startswith(f"{token} {problem}")
    assert str(error.value).endswith("download a new one from kaggle.com → Settings → API")
