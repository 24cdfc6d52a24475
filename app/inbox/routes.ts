/*
| Inbox module routes (tenant panel). Each part of the inbox keeps its
| routes in its own file under routes/.
*/
import '#inbox/routes/conversations'
import '#inbox/routes/assignment'
import '#inbox/routes/replies'
import '#inbox/routes/hours'
