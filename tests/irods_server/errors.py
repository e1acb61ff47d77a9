"""iRODS error codes the server returns, and the exception that carries one to the client.

Every code must be one PRC knows (irods/exception.py): an unknown one makes PRC itself fail
with a KeyError instead of raising. test_error_codes_are_known_to_prc checks that.
"""

CAT_NO_ROWS_FOUND = -808000
CAT_SQL_ERR = -806000
CAT_SUCCESS_BUT_WITH_NO_INFO = -819000
CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME = -809000
CAT_INVALID_ARGUMENT = -816000
CAT_UNKNOWN_COLLECTION = -814000
CAT_UNKNOWN_FILE = -817000
CAT_NO_ACCESS_PERMISSION = -818000
CAT_COLLECTION_NOT_EMPTY = -821000
CAT_INVALID_AUTHENTICATION = -826000
CAT_INVALID_USER = -827000
CAT_NAME_EXISTS_AS_COLLECTION = -833000
CAT_NAME_EXISTS_AS_DATAOBJ = -834000
CAT_TICKET_INVALID = -890000
CAT_TICKET_EXPIRED = -891000  # PRC 3.3.0's exception table and iRODS's rodsErrorTable.h agree
CAT_TICKET_USES_EXCEEDED = -892000
CAT_INVALID_GROUP = -829000
CAT_INVALID_RESOURCE = -831000
CAT_INVALID_USER_TYPE = -820000
SYS_NOT_ALLOWED = -169000
SYS_NO_API_PRIV = -13000  # an API the sender's privilege does not reach (GENERAL_ADMIN for a non-admin)
CAT_RECURSIVE_MOVE = -837000
SYS_PROXYUSER_NO_PRIV = -39000
USER_CHKSUM_MISMATCH = -314000
CAT_NO_CHECKSUM_FOR_REPLICA = -862000
OVERWRITE_WITHOUT_FORCE_FLAG = -312000
OBJ_PATH_DOES_NOT_EXIST = -358000
USER_FILE_DOES_NOT_EXIST = -310000
USER_INPUT_PATH_ERR = -317000
SYS_INVALID_FILE_PATH = -31000
SYS_API_INPUT_ERR = -14000
SYS_INVALID_INPUT_PARAM = -130000
UNIX_FILE_OPEN_ERR = -510000  # iRODS adds the errno: -510002 is ENOENT
SYS_BAD_FILE_DESCRIPTOR = -23000
SYS_NOT_SUPPORTED = -66000
API_NOT_SUPPORTED = -12000  # SYS_UNMATCHED_API_NUM
PAM_AUTH_PASSWORD_FAILED = -993000
CAT_INSUFFICIENT_PRIVILEGE_LEVEL = -830000
CAT_PASSWORD_ENCODING_ERROR = -850000  # no password of the sender unscrambles a new password
INPUT_ARG_NOT_WELL_FORMED_ERR = -1084000
USER_INCOMPATIBLE_PARAMS = -402000
SYS_RESC_DOES_NOT_EXIST = -78000
SYS_REPLICA_DOES_NOT_EXIST = -164000
SYS_PACK_INSTRUCT_FORMAT_ERR = -15000  # a body that does not unpack


class IrodsError(Exception):
    """Raised anywhere in the server; the connection loop turns it into a negative intInfo."""

    # The API's output sent with the error, as iRODS does for the JSON APIs (an error object).
    body = b""

    def __init__(self, code, message=""):
        super().__init__(message or str(code))
        self.code = code
        self.message = message or str(code)
