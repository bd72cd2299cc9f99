# make release: static binaries for linux/amd64, linux/arm64, darwin/amd64
# and darwin/arm64 in dist/, with SHA256SUMS. VERSION defaults to the
# nearest git tag (git describe); set it to build another name.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE      ?= $(shell git log -1 --format=%cI 2>/dev/null)
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.buildDate=$(DATE)

.PHONY: build release clean

build:
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o clawrun ./cmd/clawrun

release: clean
	mkdir -p dist
	set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -ldflags '$(LDFLAGS)' \
	    -o dist/clawrun_$(VERSION)_$${os}_$${arch} ./cmd/clawrun; \
	done
	cd dist && sha256sum clawrun_* > SHA256SUMS
	@cat dist/SHA256SUMS

clean:
	rm -rf dist
