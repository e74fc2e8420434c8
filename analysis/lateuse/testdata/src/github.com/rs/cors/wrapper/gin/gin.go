// Package cors is a stub of github.com/rs/cors/wrapper/gin for lateuse
// tests.
package cors

import "github.com/gin-gonic/gin"

func AllowAll() gin.HandlerFunc { return nil }
