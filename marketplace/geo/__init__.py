"""Geography: state → district → block → village, loaded from data/geography.csv."""
