#!/usr/bin/env bash
# The Kubernetes manifests (deploy/kubernetes): every overlay renders with `kubectl kustomize` (plus the plain one
# with the ServiceMonitor component), every object validates against the Kubernetes schemas of a pinned version
# (kubernetes-validate, strict: unknown fields fail), and checkov's Kubernetes policies pass, with every skip
# justified in deploy/kubernetes/.checkov.yaml or on the object itself. The Collector's own `validate` of its
# config, and applying the plain overlay to a kind cluster, run on GitHub Actions only (docs/kubernetes.md).
set -euo pipefail
cd "$(dirname "$0")/.."

K8S_VERSION=1.32.0
KUBERNETES_VALIDATE_VERSION=1.37.0
CHECKOV_VERSION=3.3.30
tools="${CI_TOOLS_DIR:-.cache/ci-tools}/kubernetes-venv"
out=.cache/kubernetes/rendered

if ! command -v kubectl >/dev/null 2>&1; then
  echo 'kubectl is needed to render the overlays (kubectl kustomize); install it (https://kubernetes.io/docs/tasks/tools/)' >&2
  exit 1
fi
if [ ! -x "$tools/bin/checkov" ] || [ ! -x "$tools/bin/kubernetes-validate" ]; then
  echo "installing kubernetes-validate==$KUBERNETES_VALIDATE_VERSION and checkov==$CHECKOV_VERSION from PyPI into $tools"
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "checkov==$CHECKOV_VERSION" 2>&1 | grep -v 'is ignored' || true
fi

rm -rf "$out" && mkdir -p "$out" .cache/kubernetes/monitored
for overlay in deploy/kubernetes/overlays/*/; do
  name=$(basename "$overlay")
  kubectl kustomize "$overlay" >"$out/$name.yaml"
  echo "rendered $name: $(grep -c '^kind:' "$out/$name.yaml") objects"
done
# The optional ServiceMonitor component, on top of the plain overlay.
cat >.cache/kubernetes/monitored/kustomization.yaml <<'YAML'
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../../deploy/kubernetes/overlays/plain
components:
  - ../../../deploy/kubernetes/components/servicemonitor
YAML
kubectl kustomize .cache/kubernetes/monitored >"$out/plain-monitored.yaml"
grep -q '^kind: ServiceMonitor' "$out/plain-monitored.yaml"

# ServiceMonitor is a CRD: kubernetes-validate warns that it has no schema for it and checks everything else.
"$tools/bin/kubernetes-validate" --kubernetes-version "$K8S_VERSION" --strict --quiet "$out"/*.yaml
echo "kubernetes-validate: every object valid for Kubernetes $K8S_VERSION"
# --skip-download: no call to Prisma Cloud for guideline links (unreachable from CI machines, and not needed).
"$tools/bin/checkov" --directory "$out" --config-file deploy/kubernetes/.checkov.yaml --skip-download
