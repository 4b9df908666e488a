package api

// PublicLimiterLen is the number of buckets the publishable limiter holds
// (tests measure its memory in entries).
func (s *Server) PublicLimiterLen() int { return s.public.len() }
