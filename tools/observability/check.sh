#!/usr/bin/env bash
# Checks the monitoring config in deploy/observability/ (issue 8):
#   promtool check config   prometheus/prometheus.yml and prometheus.compose.yml (and the rule
#                           files they load); the compose copy differs only in its targets
#   promtool check rules    prometheus/rules/*.yml
#   promtool test rules     prometheus/tests/*.yml   (rule unit tests)
#   every Grafana dashboard is valid JSON with a title and a uid, and its PromQL parses
#   (each query, with $__rate_interval, $service and $instance filled in, checked as a
#   recording rule).
#   every alert has a runbook: runbook_url is docs/runbooks/<alert-name-in-kebab-case>.md, the
#   file exists with the sections "What it means", "How to check", "How to mitigate" and
#   "Escalation", docs/runbooks/README.md links it, and no runbook is left without an alert.
#   docker-compose.yml, otel-collector.yaml and the Grafana provisioning files parse as YAML.
# Installs Debian's/Ubuntu's `prometheus` package (which ships promtool) when promtool is
# missing. Run by `npx nx run observability:test` (and so by `make check` / `make test`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
obs="$root/deploy/observability"
prom="$obs/prometheus"

say() { printf '==> %s\n' "$*"; }
fail() { printf 'observability check FAILED: %s\n' "$*" >&2; exit 1; }

if ! command -v promtool >/dev/null 2>&1; then
  say "promtool not found: installing the prometheus package (apt)"
  command -v apt-get >/dev/null 2>&1 || fail "promtool is missing and apt-get is not available; install promtool (Prometheus 2.x) and re-run"
  as_root=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null \
      || fail "promtool is missing and installing it needs root (run as root, or with passwordless sudo)"
    as_root=(sudo -n)
  fi
  # The package's postinst cannot start the prometheus service without an init system; apt
  # reports that and carries on. promtool is what we need.
  "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq || fail "apt-get update failed"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends prometheus || fail "apt-get install prometheus failed"
  command -v promtool >/dev/null 2>&1 || fail "the prometheus package is installed but promtool is not on PATH"
fi
say "$(promtool --version 2>&1 | head -n 1)"

shopt -s nullglob
rules=("$prom"/rules/*.yml)
tests=("$prom"/tests/*.yml)
dashboards=("$obs"/grafana/dashboards/*.json)
[[ ${#rules[@]} -gt 0 ]] || fail "no rule files in $prom/rules"
[[ ${#tests[@]} -gt 0 ]] || fail "no rule unit tests in $prom/tests"
[[ ${#dashboards[@]} -gt 0 ]] || fail "no dashboards in $obs/grafana/dashboards"

failed=()
run() {
  local label="$1"; shift
  say "$label"
  if ! "$@"; then
    failed+=("$label")
  fi
}

# promtool resolves rule_files and test inputs relative to the file it reads; run from the
# prometheus folder so the printed paths are short.
cd "$prom"
run "promtool check config prometheus.yml" promtool check config prometheus.yml
run "promtool check config prometheus.compose.yml" promtool check config prometheus.compose.yml
# The compose copy must not drift: with its comment header dropped and the compose host names
# mapped back to 127.0.0.1 it is prometheus.yml minus that file's header.
run "prometheus.compose.yml matches prometheus.yml except targets" node -e '
  const fs = require("node:fs");
  const body = (file) => fs.readFileSync(file, "utf8").replace(/^(#.*\n)+/, "");
  const local = body("prometheus.yml");
  const compose = body("prometheus.compose.yml").replace(/'"'"'[a-z]+:(91\d\d)'"'"'/g, "'"'"'127.0.0.1:$1'"'"'");
  if (local !== compose) { console.error("  prometheus.compose.yml differs from prometheus.yml beyond its targets"); process.exit(1); }
'
run "promtool check rules rules/*.yml" promtool check rules "${rules[@]#"$prom"/}"
run "promtool test rules tests/*.yml" promtool test rules "${tests[@]#"$prom"/}"
run "grafana dashboards are valid JSON" node -e '
  const fs = require("node:fs");
  let bad = 0;
  for (const file of process.argv.slice(1)) {
    try {
      const d = JSON.parse(fs.readFileSync(file, "utf8"));
      if (!d.title || !d.uid || !Array.isArray(d.panels)) throw new Error("needs title, uid and panels");
      console.log(`  ok ${file} (${d.panels.length} panels)`);
    } catch (e) { bad++; console.error(`  FAILED ${file}: ${e.message}`); }
  }
  process.exit(bad ? 1 : 0);
' "${dashboards[@]}"

dash_rules="$(mktemp "${TMPDIR:-/tmp}/coffer-dashboard-queries.XXXXXX.yml")"
trap 'rm -f "$dash_rules"' EXIT
if node -e '
  const fs = require("node:fs");
  const [out, ...files] = process.argv.slice(1);
  const lines = ["groups:"];
  files.forEach((file, f) => {
    lines.push(`  - name: ${JSON.stringify(file)}`, "    rules:");
    const d = JSON.parse(fs.readFileSync(file, "utf8"));
    const panels = d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    panels.forEach((p) => (p.targets ?? []).forEach((t, i) => {
      const expr = t.expr.replaceAll("$__rate_interval", "5m").replaceAll("$service", ".*").replaceAll("$instance", ".*");
      lines.push(`      - record: dashboard_${f}_panel_${p.id}_${i}`, `        expr: ${JSON.stringify(expr)}`);
    }));
  });
  fs.writeFileSync(out, lines.join("\n") + "\n");
' "$dash_rules" "${dashboards[@]}" 2>/dev/null; then
  run "dashboard queries parse (promtool check rules)" promtool check rules "$dash_rules"
else
  failed+=("dashboard queries could not be extracted")
fi

run "every alert has a runbook (docs/runbooks/)" node -e '
  const fs = require("node:fs");
  const path = require("node:path");
  const { createRequire } = require("node:module");
  const [root, ...ruleFiles] = process.argv.slice(1);
  const YAML = createRequire(path.join(root, "package.json"))("yaml");
  const dir = path.join(root, "docs/runbooks");
  const kebab = (name) => name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/([A-Z])([A-Z][a-z])/g, "$1-$2").toLowerCase();
  const sections = ["What it means", "How to check", "How to mitigate", "Escalation"];
  const readme = fs.existsSync(path.join(dir, "README.md")) ? fs.readFileSync(path.join(dir, "README.md"), "utf8") : "";
  const problems = [];
  const expected = new Set(["README.md"]);
  for (const file of ruleFiles) {
    for (const group of YAML.parse(fs.readFileSync(file, "utf8")).groups ?? []) {
      for (const rule of group.rules ?? []) {
        if (!rule.alert) continue;
        const name = `${kebab(rule.alert)}.md`;
        expected.add(name);
        const want = `docs/runbooks/${name}`;
        const url = rule.annotations?.runbook_url;
        if (url !== want) problems.push(`${rule.alert}: runbook_url is ${JSON.stringify(url)}, expected ${want}`);
        const runbook = path.join(dir, name);
        if (!fs.existsSync(runbook)) { problems.push(`${rule.alert}: ${want} does not exist`); continue; }
        const text = fs.readFileSync(runbook, "utf8");
        if (!text.startsWith(`# ${rule.alert}`)) problems.push(`${want}: first line must be "# ${rule.alert}"`);
        for (const s of sections) if (!new RegExp(`^## ${s}`, "m").test(text)) problems.push(`${want}: no "## ${s}" section`);
        if (!readme.includes(`(${name})`)) problems.push(`docs/runbooks/README.md does not link ${name}`);
      }
    }
  }
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith(".md") && !expected.has(name)) problems.push(`docs/runbooks/${name} belongs to no alert (rename or delete it)`);
  }
  for (const p of problems) console.error(`  ${p}`);
  if (!problems.length) console.log(`  ok ${expected.size - 1} alerts, each with its runbook`);
  process.exit(problems.length ? 1 : 0);
' "$root" "${rules[@]}"

run "compose, collector and Grafana provisioning files parse as YAML" node -e '
  const fs = require("node:fs");
  const path = require("node:path");
  const { createRequire } = require("node:module");
  const [root, ...files] = process.argv.slice(1);
  const YAML = createRequire(path.join(root, "package.json"))("yaml");
  let bad = 0;
  for (const file of files) {
    try {
      const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"), { merge: true });
      if (doc.errors.length) throw doc.errors[0];
      console.log(`  ok ${path.relative(root, file)}`);
    } catch (e) { bad++; console.error(`  FAILED ${path.relative(root, file)}: ${e.message}`); }
  }
  process.exit(bad ? 1 : 0);
' "$root" "$root/docker-compose.yml" "$obs/otel-collector.yaml" "$obs"/grafana/provisioning/*/*.yml

if [[ ${#failed[@]} -gt 0 ]]; then
  for f in "${failed[@]}"; do printf '  failed: %s\n' "$f" >&2; done
  fail "${#failed[@]} check(s) failed"
fi
say "observability checks passed"
