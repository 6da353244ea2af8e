#!/usr/bin/env python3
"""Drives `cinema mcp` with the official MCP Python client, as a real peer would.

Usage: mcp_client.py CINEMA_BINARY CINEMA_HOME
Prints one JSON object with what the server answered; the Swift test checks it.
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def text_of(result):
    return "".join(part.text for part in result.content if getattr(part, "type", "") == "text")


async def main(cinema: str, home: str) -> dict:
    environment = {"CINEMA_HOME": home, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CINEMA_DIRECTOR_SEED": "1"}
    parameters = StdioServerParameters(command=cinema, args=["mcp"], env=environment)
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write) as session:
            initialized = await session.initialize()
            tools = await session.list_tools()
            search = await session.call_tool("search_video_clips", {"description": "ghosts", "limit": 3})
            found = json.loads(text_of(search))
            first_id = found["clips"][0]["clip_id"] if found["clips"] else None
            clip = await session.call_tool("get_clip", {"clip_id": first_id})
            films = await session.call_tool("list_films", {})
            reply = await session.call_tool("reply_to", {"text": "Do you believe in ghosts?"})
            missing = await session.call_tool("search_video_clips", {"limit": 3})
            wrong_type = await session.call_tool("get_clip", {"clip_id": "not a number"})
            unknown_clip = await session.call_tool("get_clip", {"clip_id": 99999999})
            return {
                "server": initialized.serverInfo.name,
                "tools": sorted(tool.name for tool in tools.tools),
                "schemas": {tool.name: tool.inputSchema for tool in tools.tools},
                "search": found,
                "search_error": search.isError,
                "clip": json.loads(text_of(clip)),
                "films": json.loads(text_of(films)),
                "reply": json.loads(text_of(reply)),
                "missing": {"error": missing.isError, "text": text_of(missing)},
                "wrong_type": {"error": wrong_type.isError, "text": text_of(wrong_type)},
                "unknown_clip": {"error": unknown_clip.isError, "text": text_of(unknown_clip)},
            }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2]))))
