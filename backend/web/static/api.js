// The API client of the web interface: fetch() with the bearer token, errors as ApiError.
//
// The token is kept in sessionStorage, not localStorage: it is forgotten when the tab is
// closed (a shared computer does not stay signed in) and other tabs do not share it.

const TOKEN_KEY = "rapydo.token";
const USER_KEY = "rapydo.user";
const ROOT = document.body.dataset.apiRoot || "";

export class ApiError extends Error {
  // The API answers errors as {"error": message, "code": ..., "type": ...}.
  constructor(status, body) {
    super(body && body.error ? body.error : `the API answered ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.type = body && body.type;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function user() {
  const saved = sessionStorage.getItem(USER_KEY);
  return saved ? JSON.parse(saved) : null;
}

export function remember(login) {
  sessionStorage.setItem(TOKEN_KEY, login.token);
  sessionStorage.setItem(USER_KEY, JSON.stringify(login.user));
}

export function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}

// A request to the API; resolves to the parsed JSON (null for 204), or to the Response
// itself with {raw: true}; rejects with an ApiError carrying the API's message.
export async function call(method, path, { body, raw = false } = {}) {
  const headers = { Accept: "application/json" };
  const current = token();
  if (current) headers.Authorization = `Bearer ${current}`;
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(ROOT + path, init);
  } catch (error) {
    throw new ApiError(0, { error: `The API cannot be reached (${error.message}).` });
  }
  if (!response.ok) {
    let answer = null;
    try {
      answer = await response.json();
    } catch {
      answer = { error: `The API answered ${response.status} ${response.statusText}.` };
    }
    throw new ApiError(response.status, answer);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

// "/zone/home/a b" -> "/api/data/zone/home/a%20b": each segment encoded, slashes kept.
export function dataUrl(path) {
  return "/api/data" + path.split("/").map(encodeURIComponent).join("/");
}
