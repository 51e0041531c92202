"""Prints template.yaml expanded by the AWS SAM transform, as JSON.

The transform is the one cfn-lint applies (its wrapper of the `samtranslator` package, which cfn-lint
depends on): local CodeUri/ContentUri become placeholders, managed policies come from cfn-lint's copy of
the list, nothing is sent to AWS. Conditions stay as they are (Fn::If, Condition), for the caller to read.

  python3 expand-template.py <template.yaml> [<region>]
"""

import json
import sys

from cfnlint.decode import decode
from cfnlint.template.transforms._sam import Transform


def main() -> int:
    path = sys.argv[1]
    region = sys.argv[2] if len(sys.argv) > 2 else "us-east-1"
    template, matches = decode(path)
    if matches:
        for match in matches:
            print(match, file=sys.stderr)
        return 2
    transform = Transform(path, template, region)
    errors = transform.transform_template()
    if errors:
        for error in errors:
            print(error, file=sys.stderr)
        return 2
    json.dump(transform.template(), sys.stdout, indent=1, sort_keys=False, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
