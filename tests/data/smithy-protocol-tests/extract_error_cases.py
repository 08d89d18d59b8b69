#!/usr/bin/env python3
"""Extracts the client error-response cases of the Smithy AWS protocol tests
into error-responses.json (what flightplan's tests read).

Usage: extract_error_cases.py SMITHY_PROTOCOL_TESTS_DIR > error-responses.json

For every `apply <Shape> @httpResponseTests([...])` whose HTTP code is >= 300
it keeps: id, protocol, status, headers, body, and the expected error code
(vendorParams.code for awsQuery/restXml customised codes, else the shape
name) and message (params.Message / params.message when given).
"""
import json
import re
import sys
import textwrap

FILES = {
    "restJson1": "restJson1/errors.smithy",
    "awsJson1_0": "awsJson1_0/errors.smithy",
    "restXml": "restXml/errors.smithy",
    "awsQuery": "awsQuery/xml-errors.smithy",
}


def blocks(text, start):
    """Top-level {...} entries of the list that starts at text[start] == '['."""
    depth, i, out, begin, in_str = 0, start, [], None, None
    while i < len(text):
        if text.startswith('"""', i):
            end = text.index('"""', i + 3)
            i = end + 3
            continue
        c = text[i]
        if c == '"':
            i = text.index('"', i + 1) + 1
            continue
        if c == '{':
            depth += 1
            if depth == 1:
                begin = i
        elif c == '}':
            depth -= 1
            if depth == 0:
                out.append(text[begin:i + 1])
        elif c == ']' and depth == 0:
            return out
        i += 1
    return out


def string_field(block, name):
    m = re.search(r'\n\s*' + name + r':\s*"""\n(.*?)"""', block, re.S)
    if m:
        return textwrap.dedent(m.group(1))
    m = re.search(r'\n\s*' + name + r':\s*"((?:[^"\\]|\\.)*)"', block)
    return json.loads('"' + m.group(1) + '"') if m else None


def map_field(block, name):
    m = re.search(r'\n\s*' + name + r':\s*\{(.*?)\}', block, re.S)
    if not m:
        return {}
    return dict(re.findall(r'"?([\w-]+)"?\s*:\s*"((?:[^"\\]|\\.)*)"', m.group(1)))


def main():
    root = sys.argv[1]
    cases = []
    for protocol, path in FILES.items():
        text = open(f"{root}/{path}", encoding="utf-8").read()
        for m in re.finditer(r'apply (\w+) @httpResponseTests\(\[', text):
            shape = m.group(1)
            for block in blocks(text, m.end() - 1):
                code = int(re.search(r'\n\s*code:\s*(\d+)', block).group(1))
                if code < 300:
                    continue
                applies = string_field(block, "appliesTo")
                if applies == "server":
                    continue
                vendor = map_field(block, "vendorParams")
                params = map_field(block, "params")
                cases.append({
                    "id": string_field(block, "id"),
                    "protocol": protocol,
                    "status": code,
                    "headers": map_field(block, "headers"),
                    "body": string_field(block, "body") or "",
                    "expected_code": vendor.get("code", shape),
                    "expected_message": params.get("Message", params.get("message")),
                })
    json.dump({"source": "smithy-lang/smithy 1.73.0 smithy-aws-protocol-tests "
                         "(Apache-2.0), extracted by extract_error_cases.py",
               "cases": cases}, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
