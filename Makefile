# The function's build for `sam build` (template.yaml: ClassifierFunction has BuildMethod makefile and
# CodeUri ., so SAM runs `make build-ClassifierFunction` in a copy of the project, with --use-container
# inside public.ecr.aws/sam/build-nodejs24.x, and sets ARTIFACTS_DIR). The layers have their own Makefile
# (layer/Makefile).
#
# Why not SAM's esbuild builder: it runs `npm ci` or `npm install` for the whole package.json, about 900 MB
# of development packages (test tools, a native ONNX runtime, sharp) for a 3 MB bundle. Here only the
# runtime dependencies and esbuild are installed (docs/deploy.md has the sizes), and the bundle is built
# by scripts/lib/function-bundle.ts with the options of scripts/lib/bundle-options.ts, like `npm run build`.
#
# By hand: make build-ClassifierFunction ARTIFACTS_DIR=$PWD/.lambdavision/function
# (it replaces node_modules with the runtime packages: run `npm ci` afterwards to develop again).

NODE ?= node
NPM ?= npm
NPM_FLAGS = --no-audit --no-fund --loglevel=warn
# The esbuild version the project pins (a development dependency).
ESBUILD_VERSION = $(shell $(NODE) -p "require('./package.json').devDependencies.esbuild")

.PHONY: build-ClassifierFunction

build-ClassifierFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: sam build sets it; by hand pass ARTIFACTS_DIR=/absolute/dir" >&2; exit 2; }
	# Runtime dependencies only, from the lockfile; no install scripts (none of them needs one).
	$(NPM) ci --omit=dev --ignore-scripts $(NPM_FLAGS)
	# esbuild alone, at the pinned version (its binary comes as the optional @esbuild/<platform> package).
	$(NPM) install --no-save --omit=dev --ignore-scripts $(NPM_FLAGS) esbuild@$(ESBUILD_VERSION)
	$(NODE) node_modules/tsx/dist/cli.mjs -e "import('./scripts/lib/function-bundle.ts').then((m) => m.buildFunctionBundle(process.argv[1])).then((b) => console.log('ClassifierFunction: ' + b.files.map((f) => f.name + ' ' + f.bytes + ' bytes').join(', ')))" "$(ARTIFACTS_DIR)"
