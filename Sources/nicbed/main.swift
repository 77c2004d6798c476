print("nicbed")
