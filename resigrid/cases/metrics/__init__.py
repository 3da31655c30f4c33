"""Case metrics: 受理数, 立案数, 结案率, 按期结案率, 返工率, time per stage, 三率."""
