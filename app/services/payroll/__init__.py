"""发放: the monthly payment roll of a county, from the cases' payment facts to the bank and back."""
