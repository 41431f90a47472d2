"""The line rule on real files: gzip, plain, truncated, corrupt, invalid UTF-8."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path

from dlt_pipelines.lines import FileReadState, read_line_batches


def read_all(path: Path, batch_bytes: int = 32 << 20) -> tuple[list[str], FileReadState]:
    state = FileReadState()
    lines: list[str] = []
    for batch in read_line_batches(path, state, batch_bytes):
        assert batch.first_line_number == len(lines) + 1
        lines.extend(batch.lines.to_pylist())
    return lines, state


def test_plain_and_gzip_give_the_same_lines(tmp_path: Path) -> None:
    content = b'{"a": 1}\n{"a": 2}\n\n{"a": 3}\n'
    plain = tmp_path / "x.json"
    plain.write_bytes(content)
    packed = tmp_path / "x.json.gz"
    packed.write_bytes(gzip.compress(content, mtime=0))
    for path in (plain, packed):
        lines, state = read_all(path)
        assert lines == ['{"a": 1}', '{"a": 2}', "", '{"a": 3}']
        assert state.lines == 4
        assert state.problem is None
        assert state.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert state.size_bytes == path.stat().st_size
    assert read_all(packed)[1].compressed and not read_all(plain)[1].compressed


def test_last_line_without_newline_and_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b'{"a": 1}\n{"a": 2}')
    assert read_all(path)[0] == ['{"a": 1}', '{"a": 2}']
    path.write_bytes(b"")
    lines, state = read_all(path)
    assert lines == [] and state.lines == 0 and state.problem is None


def test_small_batches_split_lines_exactly(tmp_path: Path) -> None:
    expected = [f'{{"n": {i}, "pad": "{"x" * (i % 50)}"}}' for i in range(2_000)]
    path = tmp_path / "x.json.gz"
    path.write_bytes(gzip.compress(("\n".join(expected) + "\n").encode()))
    lines, state = read_all(path, batch_bytes=1_000)
    assert lines == expected
    assert state.lines == 2_000


def test_truncated_gzip_keeps_readable_lines_and_says_why(tmp_path: Path) -> None:
    content = b"".join(b'{"n": %d, "text": "%s"}\n' % (i, b"y" * 200) for i in range(3_000))
    whole = gzip.compress(content, mtime=0)
    path = tmp_path / "t.json.gz"
    path.write_bytes(whole[: len(whole) * 6 // 10])
    lines, state = read_all(path)
    readable = zlib.decompressobj(31).decompress(path.read_bytes())
    expected = readable.split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    assert lines == [line.decode() for line in expected]
    assert 0 < len(lines) < 3_000
    assert state.problem is not None and "truncated" in state.problem


def test_corrupt_gzip_is_reported(tmp_path: Path) -> None:
    whole = bytearray(gzip.compress(b'{"a": 1}\n' * 50_000, mtime=0))
    whole[len(whole) // 2 : len(whole) // 2 + 64] = b"\x00" * 64
    path = tmp_path / "c.json.gz"
    path.write_bytes(bytes(whole))
    _, state = read_all(path)
    assert state.problem is not None and "corrupt gzip" in state.problem
    assert state.sha256 == hashlib.sha256(bytes(whole)).hexdigest()


def test_concatenated_gzip_members_are_one_file(tmp_path: Path) -> None:
    path = tmp_path / "m.json.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n') + gzip.compress(b'{"a": 2}\n'))
    lines, state = read_all(path)
    assert lines == ['{"a": 1}', '{"a": 2}'] and state.problem is None


def test_invalid_utf8_line_is_kept_with_escapes(tmp_path: Path) -> None:
    path = tmp_path / "u.json"
    path.write_bytes(b'{"a": 1}\n{"name": "caf\xe9"}\n{"a": 3}\n')
    state = FileReadState()
    batches = list(read_line_batches(path, state))
    assert len(batches) == 1
    batch = batches[0]
    assert batch.lines.to_pylist() == ['{"a": 1}', '{"name": "caf\\xe9"}', '{"a": 3}']
    assert batch.invalid_utf8 is not None
    assert batch.invalid_utf8.to_pylist() == [False, True, False]
