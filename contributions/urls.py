app_name = "contributions"

urlpatterns: list = []
