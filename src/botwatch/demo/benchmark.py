def generate_benchmark(*a, **k):
    raise NotImplementedError
