/* diag_codes.h: every diagnostic the compiler can give, in one X-macro list.
 * X(ENUM, "CODE", "one-line summary"). Codes are stable: never reuse or renumber one.
 * docs/diagnostics.md explains each; tests/check/ has a golden case for each. */
#define DIAG_CODES(X) \
  /* lexical */ \
  X(E0001, "E0001", "unexpected character") \
  X(E0002, "E0002", "unterminated string literal") \
  X(E0003, "E0003", "invalid escape sequence") \
  X(E0004, "E0004", "integer literal out of range") \
  X(E0005, "E0005", "invalid number or duration literal") \
  /* syntax */ \
  X(E0100, "E0100", "syntax error") \
  /* names */ \
  X(E0200, "E0200", "name declared twice") \
  X(E0201, "E0201", "unknown name") \
  X(E0202, "E0202", "unknown type") \
  X(E0203, "E0203", "unknown field") \
  X(E0204, "E0204", "unknown function") \
  X(E0205, "E0205", "unknown connector") \
  X(E0206, "E0206", "duplicate field") \
  X(E0207, "E0207", "cannot read imported file") \
  X(E0208, "E0208", "recursive definition") \
  X(E0209, "E0209", "key without a name") \
  /* types */ \
  X(E0300, "E0300", "mismatched types") \
  X(E0301, "E0301", "condition is not bool") \
  X(E0302, "E0302", "nullable value where a value is required") \
  X(E0303, "E0303", "wrong number of arguments") \
  X(E0304, "E0304", "wrong argument type") \
  X(E0305, "E0305", "not a constant expression") \
  X(E0306, "E0306", "division by zero in a constant") \
  X(E0307, "E0307", "invalid timestamp literal") \
  X(E0308, "E0308", "invalid connector argument") \
  X(E0309, "E0309", "invalid watermark") \
  X(E0310, "E0310", "invalid error or late policy") \
  X(E0311, "E0311", "type not allowed here") \
  X(E0312, "E0312", "window without a watermark") \
  X(E0313, "E0313", "aggregate outside a window") \
  X(E0314, "E0314", "field outside an aggregate") \
  X(E0315, "E0315", "invalid window") \
  X(E0316, "E0316", "invalid delivery clause") \
  X(E0317, "E0317", "extern library cannot be loaded") \
  X(E0318, "E0318", "extern function not found") \
  /* flows */ \
  X(E0400, "E0400", "flow without a sink") \
  X(E0401, "E0401", "operator after a sink") \
  X(E0402, "E0402", "not supported yet") /* nothing gives it now; kept, codes are stable */ \
  X(E0403, "E0403", "sink used as a stream") \
  X(E0404, "E0404", "file written twice") \
  /* warnings */ \
  X(W0001, "W0001", "unused let") \
  X(W0002, "W0002", "unused param") \
  X(W0003, "W0003", "unused source")
