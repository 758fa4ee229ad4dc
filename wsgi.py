from marketplace import create_app
from marketplace.search.services import check_on_start

app = create_app()
check_on_start(app)  # a Whoosh index that is not this database's stops the server here, with the reason
