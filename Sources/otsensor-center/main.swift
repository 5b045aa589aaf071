print("otsensor-center")
