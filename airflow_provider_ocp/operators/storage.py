"""Atomic, streaming output of extracted records through :class:`airflow.sdk.ObjectStoragePath`.

Readers must never see a half-written file, so:

* on file systems with a rename (the local one and anything that is not an object store) the records go to a hidden
  temporary file in the target's directory, named for this attempt, renamed over the target only once complete;
  temporary files that earlier, killed runs left are removed first, and only those
  (:mod:`~airflow_provider_ocp.operators.temporaries`);
* on object stores (S3, GCS, Azure...) the records are uploaded straight to the final key, because an object only
  appears when its upload completes; on any failure the upload is aborted, so nothing (not even a partial object)
  is committed.

Just before the rename or the upload's completion, a caller's check runs (the operator's: the file now at the path
holds the same window); if it fails, nothing is committed either. The record formats are in
:mod:`airflow_provider_ocp.log_backup.formats`.
"""

from __future__ import annotations

import errno
import logging
import os
import posixpath
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, BinaryIO

from airflow_provider_ocp.client.errors import OCPInputError
from airflow_provider_ocp.operators.temporaries import remove_abandoned_temp_files, temporary_path

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Asset, ObjectStoragePath

log = logging.getLogger(__name__)

LOCAL_PROTOCOLS = frozenset({"", "file", "local"})
OBJECT_STORE_PROTOCOLS = frozenset({"s3", "s3a", "gs", "gcs", "abfs", "abfss", "az", "adl", "oss"})
UPLOAD_BLOCK_SIZE = 8 * 2**20
"""Object store upload part size: memory per upload stays about this big (s3fs's default is 50 MiB)."""
_FIX_BY_PROTOCOL = {
    "s3": "pip install 'apache-airflow-providers-amazon[s3fs]'",
    "gs": "pip install 'apache-airflow-providers-google' gcsfs",
    "gcs": "pip install 'apache-airflow-providers-google' gcsfs",
    "abfs": "pip install 'apache-airflow-providers-microsoft-azure' adlfs",
    "abfss": "pip install 'apache-airflow-providers-microsoft-azure' adlfs",
}


def resolve_output_path(raw: object, conn_id: str | None, name: str = "output_path") -> ObjectStoragePath:
    """Turn the rendered ``output_path`` into an :class:`ObjectStoragePath` whose file system is usable.

    Runs before any request to OCP, so a typo fails fast; no file is touched.

    :param raw: the rendered parameter (a URL such as ``s3://bucket/key.jsonl`` or an absolute local path).
    :param conn_id: the Airflow connection for the store (``output_conn_id``), or None for the store's default.
    :param name: the parameter name, for messages.
    """
    from airflow.providers.common.compat.sdk import ObjectStoragePath

    text = "" if raw is None else str(raw).strip()
    if not text:
        raise OCPInputError(
            f"{name} rendered to an empty path ({raw!r}); check its template, or leave {name} unset (None) "
            "to return the records through XCom."
        )
    if text.endswith("/"):
        raise OCPInputError(f"{name} {text!r} names a directory; give a file name, e.g. {text}log_backup_tasks.jsonl")
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if not scheme and not text.startswith("/"):
        raise OCPInputError(
            f"{name} {text!r} is a relative path, which depends on the worker's working directory; "
            "use an absolute path or a URL such as file:///data/ocp/tasks.jsonl or s3://bucket/ocp/tasks.jsonl."
        )
    try:
        path = ObjectStoragePath(text, conn_id=conn_id)
        path.fs  # noqa: B018 - resolves the Airflow file system for the scheme now, not mid-extraction
    except (ValueError, ImportError) as error:
        fix = _FIX_BY_PROTOCOL.get(
            scheme, "install the fsspec implementation for this scheme and the Airflow provider that registers it"
        )
        raise OCPInputError(
            f"{name} {text!r}: Airflow's object storage cannot write to the scheme {scheme or 'file'!r} here "
            f"({error}). Fix: {fix}, or use a supported URL (file://, s3://, ...)."
        ) from None
    return path


def is_local(path: ObjectStoragePath) -> bool:
    """Whether the path is on the local file system (where rename is atomic).

    :param path: the output path.
    """
    return path.protocol in LOCAL_PROTOCOLS


def display_path(path: ObjectStoragePath) -> str:
    """The path as a URL without the connection id: ``s3://bucket/key``, or ``file://`` plus the absolute path.

    :param path: the output path.
    """
    return f"{'file' if is_local(path) else path.protocol}://{path.path}"


def openlineage_name(path: ObjectStoragePath) -> tuple[str, str]:
    """OpenLineage's (namespace, name) for a file, as Airflow's own asset converters name it.

    :param path: the written path.
    """
    if is_local(path):
        return "file", path.path
    return path.namespace, path.key


@contextmanager
def atomic_output(path: ObjectStoragePath, before_commit: Callable[[], None] | None = None) -> Iterator[BinaryIO]:
    """Open ``path`` for binary writing so that it appears complete or not at all.

    :param path: the final path.
    :param before_commit: called once everything is written, just before the file takes the path; if it raises,
        nothing is committed (the operator checks there that the file it replaces holds the same window, since
        another run may have written it while this one was extracting).
    """
    commit_check = before_commit or _no_check
    if path.protocol in OBJECT_STORE_PROTOCOLS:
        with _single_upload(path, commit_check) as file:
            yield file
    else:
        with _rename_into_place(path, commit_check) as file:
            yield file


def _no_check() -> None:
    pass


@contextmanager
def _single_upload(path: ObjectStoragePath, before_commit: Callable[[], None]) -> Iterator[BinaryIO]:
    from fsspec.spec import AbstractBufferedFile

    file = path.fs.open(path.path, "wb", block_size=UPLOAD_BLOCK_SIZE)
    try:
        yield file
        before_commit()
    except BaseException:
        if isinstance(file, AbstractBufferedFile):
            file.discard()  # aborts a multipart upload already started
            file.closed = True  # close() would flush and commit what was buffered
        else:  # pragma: no cover - every object store fsspec ships buffers its uploads
            file.close()
            path.fs.rm(path.path)
        log.warning("Aborted the upload to %s: nothing was committed.", path)
        raise
    file.close()  # completes the upload; the object appears only now


@contextmanager
def _rename_into_place(path: ObjectStoragePath, before_commit: Callable[[], None]) -> Iterator[BinaryIO]:
    fs, final = path.fs, path.path
    temp = temporary_path(final)
    with _naming_output_path(path):
        fs.makedirs(posixpath.dirname(final), exist_ok=True)
        remove_abandoned_temp_files(path)
        file = fs.open(temp, "wb")
    try:
        yield file
        if is_local(path):
            file.flush()
            os.fsync(file.fileno())  # the rename must not expose a file whose data is still in the page cache
        file.close()
        before_commit()
        with _naming_output_path(path):
            if is_local(path):
                os.replace(temp, final)
            else:
                fs.mv(temp, final)
    except BaseException:
        file.close()
        try:
            fs.rm(temp)
        except OSError:
            log.warning("Could not remove the temporary file %s; a later run removes it once abandoned.", temp)
        raise


@contextmanager
def _naming_output_path(path: ObjectStoragePath) -> Iterator[None]:
    """Report a directory the worker may not write to by ``output_path``, not by the hidden temporary file."""
    try:
        yield
    except (PermissionError, IsADirectoryError, NotADirectoryError) as error:
        raise OCPInputError(
            f"Cannot write output_path {display_path(path)}: {error.strerror or type(error).__name__}. Give the "
            "worker's user write access to that directory (the file is written next to it first, then renamed), "
            "or choose another output_path."
        ) from None
    except OSError as error:
        if error.errno != errno.EROFS:
            raise
        raise OCPInputError(
            f"Cannot write output_path {display_path(path)}: the file system is read-only; choose another output_path."
        ) from None


_TEMPLATE_STARTS = ("{{", "{%", "{#")


def fixed_base(output_path: str) -> str:
    """The part of ``output_path`` no rendering changes: up to the first Jinja tag, cut back to the last ``/``; the
    whole path when it has no tag.

    :param output_path: the unrendered ``output_path``.
    """
    text = str(output_path).strip()
    starts = [text.index(tag) for tag in _TEMPLATE_STARTS if tag in text]
    if starts:
        text = text[: min(starts)]
        text = text[: text.rfind("/") + 1]
    return text


def default_output_asset(output_path: str) -> Asset | None:
    """An Asset for the fixed part of ``output_path`` (:func:`fixed_base`).

    ``s3://bucket/ocp/cluster_id=1/date={{ ds }}/tasks.jsonl`` gives ``s3://bucket/ocp/cluster_id=1/``; a path with
    no template is its own Asset. None when nothing fixed remains (the path starts with a template).

    :param output_path: the unrendered ``output_path``.
    """
    from airflow.providers.common.compat.sdk import Asset

    text = fixed_base(output_path)
    if "://" not in text:
        if not text.startswith("/"):
            return None
        text = f"file://{text}"
    if not text.partition("://")[2].strip("/"):
        return None
    try:
        return Asset(text)
    except ValueError:  # a URI Airflow refuses (say, an unknown scheme): the run will explain the path itself
        return None
