package fixnames

import (
	"example.com/srvalias"
	"github.com/gin-gonic/gin"
)

func thirdParty(r *gin.Engine) {
	_ = &srvalias.Server{Handler: r} // want `http\.Server literal sets neither`
}
