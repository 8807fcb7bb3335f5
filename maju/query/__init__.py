"""The listing query compiler: request parameters -> syntax tree -> parameterised SQL."""
