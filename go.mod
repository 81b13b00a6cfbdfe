module mapcore.dev/mapcore

go 1.21
