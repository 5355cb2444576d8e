"""The offline checks of deploy/, run in .venv-deploy by manifests.test.ts.

  python deploy_check.py kustomize DIR   prints what `kubectl kustomize DIR` prints,
                                          rendered by Kustomize's own Go library (pykustomize)
  python deploy_check.py compose FILE    parses FILE as the Compose specification does
                                          (YAML merge keys resolved, as `docker compose`
                                          resolves them) and prints it as JSON; exits 1
                                          with the parser's message on any unknown field
"""
import asyncio
import json
import sys

import yaml


def kustomize(path: str) -> None:
    from pykustomize import build

    sys.stdout.write(asyncio.run(build(path)).yaml)


def compose(path: str) -> None:
    from compose_spec import PyCompose

    with open(path, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    try:
        parsed = PyCompose.from_json(json.dumps(document))
    except ValueError as error:
        print(f"{path}: {error}", file=sys.stderr)
        sys.exit(1)
    json.dump(parsed.to_dict(), sys.stdout)


if __name__ == "__main__":
    {"kustomize": kustomize, "compose": compose}[sys.argv[1]](sys.argv[2])
