module example.com/routes

go 1.21

require github.com/gin-gonic/gin v1.12.0

replace github.com/gin-gonic/gin => ./gin
