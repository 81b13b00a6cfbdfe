module mapcore.dev/mapcore

go 1.22
