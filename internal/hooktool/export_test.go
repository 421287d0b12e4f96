package hooktool

// NewFallbackRunner lets the external tests give the fallback a recording
// exec side.
func NewFallbackRunner(direct *RPCRunner, exec Runner) Runner { return newFallbackRunner(direct, exec) }
