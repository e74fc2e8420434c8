package fix

import (
	gb "github.com/gin-gonic/gin/binding"

	"github.com/gin-gonic/gin"
)

type Order struct{ ID int }

func CachedFirst(c *gin.Context) {
	var a, b Order
	_ = c.ShouldBindBodyWith(&a, gb.JSON)
	_ = c.ShouldBindJSON(&b) // want `for this bind too`
}

func With(c *gin.Context) {
	var a, b Order
	_ = c.ShouldBindWith(&a, gb.JSON)
	_ = c.ShouldBindWith(&b, gb.XML) // want `already consumed`
}

func Loop(c *gin.Context) {
	var o Order
	for _, b := range []gb.BindingBody{gb.JSON, gb.XML} {
		if c.ShouldBindWith(&o, b) == nil { // want `on every iteration of the loop`
			return
		}
	}
}

func PlainThenCachedJSON(c *gin.Context) {
	var a, b Order
	_ = c.ShouldBindPlain(&a)
	_ = c.ShouldBindBodyWithJSON(&b) // want `already consumed`
}
