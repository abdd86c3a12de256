module github.com/coffer-dev/coffer/sdk/go

go 1.26
