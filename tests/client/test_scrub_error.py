"""``scrub_error``: secrets leave an error's text and its chain's, in place (class, attributes, traceback kept)."""

from __future__ import annotations

import pickle

from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_ocp.client.errors import OCPAPIError, OCPInputError
from airflow_provider_ocp.client.log_secrets import scrub_error

SECRET = "S3cr+t/P@ss"


def raised_from_a_cause() -> OCPAPIError:
    try:
        try:
            raise ValueError(f"record holds {SECRET}", 7)
        except ValueError as cause:
            raise OCPAPIError(f"OCP's page quoted {SECRET.upper()}", status=200, path="/ob/clusters") from cause
    except OCPAPIError as error:
        return error


def test_the_error_and_its_cause_lose_the_secret_and_keep_the_rest() -> None:
    error = raised_from_a_cause()
    traceback = error.__traceback__
    scrub_error(error, [SECRET])
    assert error.message == "OCP's page quoted ***"
    assert str(error) == "OCP's page quoted *** (HTTP 200, path /ob/clusters)"
    assert (error.status, error.path, error.__traceback__) == (200, "/ob/clusters", traceback)
    assert error.__cause__ is not None and error.__cause__.args == ("record holds ***", 7)
    assert "***" in str(pickle.loads(pickle.dumps(error))) and SECRET not in str(pickle.loads(pickle.dumps(error)))


def test_nothing_to_hide_changes_nothing() -> None:
    error = OCPInputError("cluster_id must be positive; got -1.")
    scrub_error(error, [])
    scrub_error(error, ["ab"])  # too short to tell from ordinary text (client.response.redact)
    assert error.args == ("cluster_id must be positive; got -1.",)


ASCII = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)


@given(before=ASCII, after=ASCII, secret=st.text("ΣΦΨΩЖЯжя", min_size=3, max_size=12))
def test_no_letter_of_the_secret_stays_anywhere_in_the_chain(before: str, after: str, secret: str) -> None:
    try:
        try:
            raise OCPInputError(before + secret + after)
        except OCPInputError:
            raise OCPAPIError(after + secret.lower() + before) from None  # the context is still kept, and printable
    except OCPAPIError as error:
        scrub_error(error, [secret])
        texts = [str(error), error.message, str(error.__context__)]
    letters = set(secret + secret.lower())
    assert not [text for text in texts if letters & set(text)]
