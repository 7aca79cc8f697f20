<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko">
  <context>
    <name>Tidings</name>
    <message>
      <source>New message</source>
      <translation>새 메시지</translation>
    </message>
    <message>
      <source>Signed out</source>
      <translation>로그아웃됨</translation>
    </message>
    <message>
      <source>The server's key was not accepted.</source>
      <translation>서버 키를 신뢰하지 않았습니다.</translation>
    </message>
    <message>
      <source>The server at {server} identifies itself with the key

{fingerprint}

Ask its administrator whether this is right before you trust it.</source>
      <translation>{server} 서버의 키는 다음과 같습니다.

{fingerprint}

신뢰하기 전에 서버 관리자에게 이 키가 맞는지 확인하세요.</translation>
    </message>
    <message>
      <source>Trust this server?</source>
      <translation>이 서버를 신뢰할까요?</translation>
    </message>
    <message>
      <source>Tidings could not start</source>
      <translation>Tidings를 시작할 수 없습니다</translation>
    </message>
    <message>
      <source>Remove this file</source>
      <translation>이 파일 빼기</translation>
    </message>
    <message>
      <source>Remove {name}</source>
      <translation>{name} 빼기</translation>
    </message>
    <message>
      <source>The pasted image could not be attached: it could not be saved.</source>
      <translation>붙여넣은 이미지를 저장할 수 없어 첨부하지 못했습니다.</translation>
    </message>
    <message>
      <source>This server does not take files.</source>
      <translation>이 서버는 파일을 받지 않습니다.</translation>
    </message>
    <message>
      <source>A message carries at most {count} files.</source>
      <translation>메시지 하나에는 파일을 {count}개까지 첨부할 수 있습니다.</translation>
    </message>
    <message>
      <source>{name} is not a file: only files can be attached.</source>
      <translation>{name}은(는) 파일이 아닙니다. 파일만 첨부할 수 있습니다.</translation>
    </message>
    <message>
      <source>{name} cannot be read.</source>
      <translation>{name}을(를) 읽을 수 없습니다.</translation>
    </message>
    <message>
      <source>{name} is {size}; this server takes files of up to {limit}.</source>
      <translation>{name}의 크기는 {size}입니다. 이 서버는 {limit}까지의 파일만 받습니다.</translation>
    </message>
    <message>
      <source>Today</source>
      <translation>오늘</translation>
    </message>
    <message>
      <source>Yesterday</source>
      <translation>어제</translation>
    </message>
    <message>
      <source>message deleted</source>
      <translation>삭제된 메시지입니다</translation>
    </message>
    <message>
      <source>a message this version of Tidings cannot show</source>
      <translation>이 버전의 Tidings에서 표시할 수 없는 메시지입니다</translation>
    </message>
    <message>
      <source>not sent</source>
      <translation>보내지 못함</translation>
    </message>
    <message>
      <source>edited</source>
      <translation>수정됨</translation>
    </message>
    <message>
      <source>Not sent: {reason} — click to retry, right-click to discard</source>
      <translation>보내지 못함: {reason} — 클릭하면 다시 시도, 오른쪽 클릭하면 삭제</translation>
    </message>
    <message>
      <source>An earlier message</source>
      <translation>이전 메시지</translation>
    </message>
    <message>
      <source>Click to show it</source>
      <translation>눌러서 보기</translation>
    </message>
    <message>
      <source>deleted message</source>
      <translation>삭제된 메시지</translation>
    </message>
    <message>
      <source>Attachment</source>
      <translation>첨부 파일</translation>
    </message>
    <message>
      <source>Attach…</source>
      <translation>첨부…</translation>
    </message>
    <message>
      <source>Write a message…</source>
      <translation>메시지 입력…</translation>
    </message>
    <message>
      <source>Message</source>
      <translation>메시지</translation>
    </message>
    <message>
      <source>Send</source>
      <translation>보내기</translation>
    </message>
    <message>
      <source>Attach files</source>
      <translation>파일 첨부</translation>
    </message>
    <message>
      <source>{count} / {limit} characters</source>
      <translation>{count} / {limit}자</translation>
    </message>
    <message>
      <source>Attach files (or drop them here, or paste an image)</source>
      <translation>파일 첨부 (여기로 끌어다 놓거나 이미지를 붙여넣어도 됩니다)</translation>
    </message>
    <message>
      <source>Save</source>
      <translation>저장</translation>
    </message>
    <message>
      <source>Connection</source>
      <translation>연결</translation>
    </message>
    <message>
      <source>Server</source>
      <translation>서버</translation>
    </message>
    <message>
      <source>Server key fingerprint</source>
      <translation>서버 키 지문</translation>
    </message>
    <message>
      <source>The key this device trusted when it signed in; it refuses a server that shows another one.</source>
      <translation>이 기기가 로그인할 때 신뢰한 키입니다. 다른 키를 보이는 서버에는 연결하지 않습니다.</translation>
    </message>
    <message>
      <source>Signed in as</source>
      <translation>로그인한 사용자</translation>
    </message>
    <message>
      <source>This device</source>
      <translation>이 기기</translation>
    </message>
    <message>
      <source>App version</source>
      <translation>앱 버전</translation>
    </message>
    <message>
      <source>Members</source>
      <translation>멤버</translation>
    </message>
    <message>
      <source>Jump to the newest message</source>
      <translation>최신 메시지로 이동</translation>
    </message>
    <message>
      <source>Drop files here to attach them</source>
      <translation>여기에 파일을 놓으면 첨부됩니다</translation>
    </message>
    <message numerus="yes">
      <source>%n member(s)</source>
      <translation>
        <numerusform>멤버 %n명</numerusform>
      </translation>
    </message>
    <message>
      <source>{sender} created the group “{name}”</source>
      <translation>{sender} 님이 “{name}” 그룹을 만들었습니다</translation>
    </message>
    <message>
      <source>{sender} started the chat</source>
      <translation>{sender} 님이 대화를 시작했습니다</translation>
    </message>
    <message>
      <source>{sender} added {subject}</source>
      <translation>{sender} 님이 {subject} 님을 초대했습니다</translation>
    </message>
    <message>
      <source>{sender} removed {subject}</source>
      <translation>{sender} 님이 {subject} 님을 내보냈습니다</translation>
    </message>
    <message>
      <source>{subject} left</source>
      <translation>{subject} 님이 나갔습니다</translation>
    </message>
    <message>
      <source>{sender} renamed the group to “{name}”</source>
      <translation>{sender} 님이 그룹 이름을 “{name}”(으)로 바꿨습니다</translation>
    </message>
    <message>
      <source>Cancel sending</source>
      <translation>보내기 취소</translation>
    </message>
    <message>
      <source>Click to open</source>
      <translation>클릭하면 열립니다</translation>
    </message>
    <message>
      <source>Click to download and open</source>
      <translation>클릭하면 내려받아 엽니다</translation>
    </message>
    <message>
      <source>New messages</source>
      <translation>새 메시지</translation>
    </message>
    <message>
      <source>you</source>
      <translation>나</translation>
    </message>
    <message>
      <source>Show the message this one answers</source>
      <translation>답장한 원래 메시지 보기</translation>
    </message>
    <message>
      <source>You: {text}</source>
      <translation>나: {text}</translation>
    </message>
    <message>
      <source>Draft: {text}</source>
      <translation>임시 저장: {text}</translation>
    </message>
    <message>
      <source>online</source>
      <translation>온라인</translation>
    </message>
    <message>
      <source>away</source>
      <translation>자리 비움</translation>
    </message>
    <message>
      <source>offline</source>
      <translation>오프라인</translation>
    </message>
    <message>
      <source>New chat</source>
      <translation>새 대화</translation>
    </message>
    <message>
      <source>User name</source>
      <translation>사용자 이름</translation>
    </message>
    <message>
      <source>e.g. alice</source>
      <translation>예: alice</translation>
    </message>
    <message>
      <source>New group</source>
      <translation>새 그룹</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>이름</translation>
    </message>
    <message>
      <source>e.g. Weekend trip</source>
      <translation>예: 주말 여행</translation>
    </message>
    <message>
      <source>user names, separated by commas</source>
      <translation>사용자 이름 (쉼표로 구분)</translation>
    </message>
    <message>
      <source>{what}: {why}</source>
      <translation>{what}: {why}</translation>
    </message>
    <message>
      <source>Members of {name}</source>
      <translation>{name} 멤버</translation>
    </message>
    <message>
      <source>Add people: user names, separated by commas</source>
      <translation>초대할 사람: 사용자 이름 (쉼표로 구분)</translation>
    </message>
    <message>
      <source>Add</source>
      <translation>초대</translation>
    </message>
    <message>
      <source>Remove selected</source>
      <translation>선택한 멤버 내보내기</translation>
    </message>
    <message>
      <source>Leave group</source>
      <translation>그룹 나가기</translation>
    </message>
    <message>
      <source> (owner)</source>
      <translation> (방장)</translation>
    </message>
    <message>
      <source>Remove {name} from {group}? They keep what they read so far, but see nothing new.</source>
      <translation>{group}에서 {name} 님을 내보낼까요? 지금까지 읽은 내용은 남지만 새 메시지는 보지 못합니다.</translation>
    </message>
    <message>
      <source>Remove {name}?</source>
      <translation>{name} 님을 내보낼까요?</translation>
    </message>
    <message>
      <source>Remove</source>
      <translation>내보내기</translation>
    </message>
    <message>
      <source>Leave {group}? You keep what you read so far, but see nothing new.</source>
      <translation>{group}에서 나갈까요? 지금까지 읽은 내용은 남지만 새 메시지는 보지 못합니다.</translation>
    </message>
    <message>
      <source>Leave the group?</source>
      <translation>그룹에서 나갈까요?</translation>
    </message>
    <message>
      <source>{name} is not on this device, and the server cannot be reached now.</source>
      <translation>{name}은(는) 이 기기에 없고, 지금은 서버에 연결할 수 없습니다.</translation>
    </message>
    <message>
      <source>The server no longer has {name}, or you may not read it.</source>
      <translation>서버에 {name}이(가) 더 이상 없거나, 읽을 권한이 없습니다.</translation>
    </message>
    <message>
      <source>{name} came down damaged. Try again.</source>
      <translation>{name}이(가) 손상된 채로 내려받아졌습니다. 다시 시도하세요.</translation>
    </message>
    <message>
      <source>{name} could not be downloaded.</source>
      <translation>{name}을(를) 내려받지 못했습니다.</translation>
    </message>
    <message>
      <source>Open</source>
      <translation>열기</translation>
    </message>
    <message>
      <source>Save as…</source>
      <translation>다른 이름으로 저장…</translation>
    </message>
    <message>
      <source>{name} may run a program on this computer. Open it only if you trust it.</source>
      <translation>{name}은(는) 이 컴퓨터에서 프로그램을 실행할 수 있습니다. 믿을 수 있을 때만 여세요.</translation>
    </message>
    <message>
      <source>Open this file?</source>
      <translation>이 파일을 열까요?</translation>
    </message>
    <message>
      <source>No application on this computer opens {name}.</source>
      <translation>이 컴퓨터에는 {name}을(를) 열 수 있는 프로그램이 없습니다.</translation>
    </message>
    <message>
      <source>Save as</source>
      <translation>다른 이름으로 저장</translation>
    </message>
    <message>
      <source>{name} could not be saved there.</source>
      <translation>{name}을(를) 그곳에 저장하지 못했습니다.</translation>
    </message>
    <message>
      <source>Its files are all uploaded and the message is being sent: it can no longer be cancelled.</source>
      <translation>파일을 모두 올렸고 메시지를 보내는 중이라 더 이상 취소할 수 없습니다.</translation>
    </message>
    <message numerus="yes">
      <source>%n file(s)</source>
      <translation>
        <numerusform>파일 %n개</numerusform>
      </translation>
    </message>
    <message>
      <source>Search all messages</source>
      <translation>모든 메시지 검색</translation>
    </message>
    <message>
      <source>Go to chat</source>
      <translation>대화로 이동</translation>
    </message>
    <message>
      <source>Welcome to Tidings</source>
      <translation>Tidings에 오신 것을 환영합니다</translation>
    </message>
    <message>
      <source>Tidings keeps your chats on a server you run yourself.</source>
      <translation>Tidings는 직접 운영하는 서버에 대화를 보관합니다.</translation>
    </message>
    <message>
      <source>Host a server on this computer</source>
      <translation>이 컴퓨터에서 서버 운영하기</translation>
    </message>
    <message>
      <source>Let other computers on this network connect</source>
      <translation>같은 네트워크의 다른 컴퓨터도 연결할 수 있게 하기</translation>
    </message>
    <message>
      <source>Port</source>
      <translation>포트</translation>
    </message>
    <message>
      <source>Connect to a server</source>
      <translation>서버에 연결하기</translation>
    </message>
    <message>
      <source>chat.example.org or chat.example.org:7744</source>
      <translation>chat.example.org 또는 chat.example.org:7744</translation>
    </message>
    <message>
      <source>A host name or address, with :port if it is not {port}. For a server of several nodes, their addresses separated by commas.</source>
      <translation>호스트 이름이나 주소. 포트가 {port}이 아니면 :포트를 붙이세요. 여러 노드로 된 서버라면 각 주소를 쉼표로 구분해 적으세요.</translation>
    </message>
    <message>
      <source>Create an account</source>
      <translation>계정 만들기</translation>
    </message>
    <message>
      <source>Log in to an existing account</source>
      <translation>기존 계정으로 로그인</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>비밀번호</translation>
    </message>
    <message>
      <source>A server address looks like chat.example.org or chat.example.org:7744.</source>
      <translation>서버 주소는 chat.example.org 또는 chat.example.org:7744 같은 형태입니다.</translation>
    </message>
    <message>
      <source>Enter a user name and a password.</source>
      <translation>사용자 이름과 비밀번호를 입력하세요.</translation>
    </message>
    <message>
      <source>Port {taken} is in use by another program. Port {free} is free: press OK to host the server there, or type another port.</source>
      <translation>{taken} 포트는 다른 프로그램이 사용 중입니다. {free} 포트가 비어 있습니다. 이 포트로 서버를 열려면 확인을 누르고, 아니면 다른 포트를 입력하세요.</translation>
    </message>
    <message>
      <source>Opening…</source>
      <translation>여는 중…</translation>
    </message>
    <message>
      <source>This image cannot be shown: Tidings cannot read it.</source>
      <translation>Tidings가 읽을 수 없는 이미지라 보여 줄 수 없습니다.</translation>
    </message>
    <message>
      <source>Next chat</source>
      <translation>다음 대화</translation>
    </message>
    <message>
      <source>Previous chat</source>
      <translation>이전 대화</translation>
    </message>
    <message>
      <source>last seen just now</source>
      <translation>방금 전 접속</translation>
    </message>
    <message numerus="yes">
      <source>last seen %n minute(s) ago</source>
      <translation>
        <numerusform>%n분 전 접속</numerusform>
      </translation>
    </message>
    <message>
      <source>last seen today at {time}</source>
      <translation>오늘 {time} 접속</translation>
    </message>
    <message>
      <source>last seen yesterday at {time}</source>
      <translation>어제 {time} 접속</translation>
    </message>
    <message>
      <source>last seen on {date}</source>
      <translation>{date} 접속</translation>
    </message>
    <message>
      <source>Filter chats</source>
      <translation>대화 찾기</translation>
    </message>
    <message>
      <source>Choose a chat, or start a new one.</source>
      <translation>대화를 고르거나 새 대화를 시작하세요.</translation>
    </message>
    <message>
      <source>Unsent messages…</source>
      <translation>전송되지 않은 메시지…</translation>
    </message>
    <message>
      <source>&amp;Chat</source>
      <translation>대화(&amp;C)</translation>
    </message>
    <message>
      <source>New chat…</source>
      <translation>새 대화…</translation>
    </message>
    <message>
      <source>New group…</source>
      <translation>새 그룹…</translation>
    </message>
    <message>
      <source>Search messages…</source>
      <translation>메시지 검색…</translation>
    </message>
    <message>
      <source>Go to chat…</source>
      <translation>대화로 이동…</translation>
    </message>
    <message>
      <source>Members…</source>
      <translation>멤버…</translation>
    </message>
    <message>
      <source>&amp;Account</source>
      <translation>계정(&amp;A)</translation>
    </message>
    <message>
      <source>Devices…</source>
      <translation>기기…</translation>
    </message>
    <message>
      <source>Do not disturb</source>
      <translation>방해 금지</translation>
    </message>
    <message>
      <source>Settings…</source>
      <translation>설정…</translation>
    </message>
    <message>
      <source>The server was restored from a backup; it no longer has {count} of the messages and changes this device had, and they were removed here.</source>
      <translation>서버가 백업에서 복원되었습니다. 이 기기에 있던 메시지와 변경 사항 중 {count}건이 서버에 더 이상 없어 이 기기에서도 삭제했습니다.</translation>
    </message>
    <message>
      <source>The server was restored from a backup; this device is in step with it.</source>
      <translation>서버가 백업에서 복원되었습니다. 이 기기의 내용은 서버와 일치합니다.</translation>
    </message>
    <message>
      <source>Server restored</source>
      <translation>서버 복원됨</translation>
    </message>
    <message>
      <source>Tidings stopped</source>
      <translation>Tidings가 중지되었습니다</translation>
    </message>
    <message>
      <source>Account</source>
      <translation>계정</translation>
    </message>
    <message>
      <source>Sending…</source>
      <translation>보내는 중…</translation>
    </message>
    <message>
      <source>Sent</source>
      <translation>보냄</translation>
    </message>
    <message>
      <source>Delivered</source>
      <translation>전달됨</translation>
    </message>
    <message>
      <source>Read</source>
      <translation>읽음</translation>
    </message>
    <message>
      <source>Read by {count} of {total}</source>
      <translation>{total}명 중 {count}명이 읽음</translation>
    </message>
    <message>
      <source>You were removed from this group</source>
      <translation>이 그룹에서 내보내졌습니다</translation>
    </message>
    <message>
      <source>You left this group</source>
      <translation>이 그룹에서 나왔습니다</translation>
    </message>
    <message>
      <source>You are no longer in this group</source>
      <translation>더 이상 이 그룹의 멤버가 아닙니다</translation>
    </message>
    <message>
      <source>Delete message</source>
      <translation>메시지 삭제</translation>
    </message>
    <message>
      <source>Delete this message for everyone in the chat? This cannot be undone.</source>
      <translation>대화의 모든 사람에게서 이 메시지를 삭제할까요? 되돌릴 수 없습니다.</translation>
    </message>
    <message>
      <source>Delete for everyone</source>
      <translation>모두에게서 삭제</translation>
    </message>
    <message>
      <source>That message cannot be fetched right now.</source>
      <translation>지금은 그 메시지를 가져올 수 없습니다.</translation>
    </message>
    <message>
      <source>Not done</source>
      <translation>완료하지 못함</translation>
    </message>
    <message>
      <source>Reply</source>
      <translation>답장</translation>
    </message>
    <message>
      <source>React…</source>
      <translation>반응…</translation>
    </message>
    <message>
      <source>Edit</source>
      <translation>수정</translation>
    </message>
    <message>
      <source>Delete</source>
      <translation>삭제</translation>
    </message>
    <message>
      <source>Copy text</source>
      <translation>텍스트 복사</translation>
    </message>
    <message>
      <source>Select text</source>
      <translation>텍스트 선택</translation>
    </message>
    <message>
      <source>Notifications are off: this desktop has no notification service</source>
      <translation>알림이 꺼져 있습니다: 이 데스크톱에는 알림 서비스가 없습니다</translation>
    </message>
    <message>
      <source>Your reply to {chat} was not sent: it was empty.</source>
      <translation>{chat}에게 보낸 답장이 전송되지 않았습니다: 내용이 비어 있습니다.</translation>
    </message>
    <message>
      <source>Your reply to {chat} was not sent: a message holds at most {limit} characters.</source>
      <translation>{chat}에게 보낸 답장이 전송되지 않았습니다: 메시지는 최대 {limit}자까지 쓸 수 있습니다.</translation>
    </message>
    <message>
      <source>It is kept as the chat's draft.</source>
      <translation>대화의 임시 저장 글로 보관했습니다.</translation>
    </message>
    <message>
      <source>Reply not sent</source>
      <translation>답장을 보내지 못함</translation>
    </message>
    <message>
      <source>{count} waiting to send</source>
      <translation>보낼 메시지 {count}개 대기 중</translation>
    </message>
    <message>
      <source>{count} not sent</source>
      <translation>{count}개 보내지 못함</translation>
    </message>
    <message>
      <source>Taking back {emoji}</source>
      <translation>{emoji} 반응 취소</translation>
    </message>
    <message>
      <source>Reaction {emoji}</source>
      <translation>{emoji} 반응</translation>
    </message>
    <message>
      <source>Edit: {text}</source>
      <translation>수정: {text}</translation>
    </message>
    <message>
      <source>Deleting a message</source>
      <translation>메시지 삭제하기</translation>
    </message>
    <message>
      <source>Retry</source>
      <translation>다시 시도</translation>
    </message>
    <message>
      <source>Discard</source>
      <translation>삭제</translation>
    </message>
    <message>
      <source>Unsent messages</source>
      <translation>전송되지 않은 메시지</translation>
    </message>
    <message>
      <source>Retry all</source>
      <translation>모두 다시 시도</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>닫기</translation>
    </message>
    <message>
      <source>not sent: {reason}</source>
      <translation>보내지 못함: {reason}</translation>
    </message>
    <message>
      <source>waiting to send</source>
      <translation>보내기 대기 중</translation>
    </message>
    <message>
      <source>The server cannot be reached right now. Write your first message to {user}: it waits here and is sent, opening the chat, as soon as the server is back.</source>
      <translation>지금은 서버에 연결할 수 없습니다. {user}님에게 보낼 첫 메시지를 쓰세요. 메시지는 이 기기에서 기다렸다가, 서버에 다시 연결되면 대화가 열리면서 전송됩니다.</translation>
    </message>
    <message>
      <source>Quiet hours</source>
      <translation>방해 금지 시간</translation>
    </message>
    <message>
      <source>Do not disturb at these hours every week</source>
      <translation>매주 이 시간에 방해 금지</translation>
    </message>
    <message>
      <source>From</source>
      <translation>시작</translation>
    </message>
    <message>
      <source>to</source>
      <translation>종료</translation>
    </message>
    <message>
      <source>The times are each device's own: a device in another time zone keeps them in its local time.</source>
      <translation>시간은 각 기기의 현지 시간입니다. 다른 시간대에 있는 기기는 그곳의 시간에 맞춰 적용합니다.</translation>
    </message>
    <message>
      <source>Your server does not keep quiet hours for your other devices: they apply on this device only.</source>
      <translation>서버가 다른 기기를 위해 방해 금지 시간을 보관하지 않습니다. 이 기기에만 적용됩니다.</translation>
    </message>
    <message>
      <source>Mon</source>
      <translation>월</translation>
    </message>
    <message>
      <source>Tue</source>
      <translation>화</translation>
    </message>
    <message>
      <source>Wed</source>
      <translation>수</translation>
    </message>
    <message>
      <source>Thu</source>
      <translation>목</translation>
    </message>
    <message>
      <source>Fri</source>
      <translation>금</translation>
    </message>
    <message>
      <source>Sat</source>
      <translation>토</translation>
    </message>
    <message>
      <source>Sun</source>
      <translation>일</translation>
    </message>
    <message>
      <source>every day</source>
      <translation>매일</translation>
    </message>
    <message>
      <source>Mon to Fri</source>
      <translation>월~금</translation>
    </message>
    <message>
      <source>no day</source>
      <translation>요일 없음</translation>
    </message>
    <message>
      <source>Quiet hours {start} to {end}, {days}</source>
      <translation>방해 금지 시간 {start}~{end}, {days}</translation>
    </message>
    <message>
      <source>until you turn it off</source>
      <translation>직접 끌 때까지</translation>
    </message>
    <message>
      <source>until {time}</source>
      <translation>{time}까지</translation>
    </message>
    <message>
      <source>until {day} {time}</source>
      <translation>{day} {time}까지</translation>
    </message>
    <message>
      <source>Off</source>
      <translation>끄기</translation>
    </message>
    <message>
      <source>For 1 hour</source>
      <translation>1시간 동안</translation>
    </message>
    <message>
      <source>Until tomorrow morning</source>
      <translation>내일 아침까지</translation>
    </message>
    <message>
      <source>Until I turn it off</source>
      <translation>직접 끌 때까지</translation>
    </message>
    <message>
      <source>For 8 hours</source>
      <translation>8시간 동안</translation>
    </message>
    <message>
      <source>For 1 week</source>
      <translation>1주일 동안</translation>
    </message>
    <message>
      <source>Always</source>
      <translation>항상</translation>
    </message>
    <message>
      <source>Do not disturb {until}</source>
      <translation>방해 금지: {until}</translation>
    </message>
    <message>
      <source>Quiet hours {until}</source>
      <translation>방해 금지 시간: {until}</translation>
    </message>
    <message>
      <source>Do not disturb is off</source>
      <translation>방해 금지 꺼짐</translation>
    </message>
    <message>
      <source>Do not disturb cannot be changed now</source>
      <translation>지금은 방해 금지를 바꿀 수 없습니다</translation>
    </message>
    <message>
      <source>Quiet hours cannot be changed now</source>
      <translation>지금은 방해 금지 시간을 바꿀 수 없습니다</translation>
    </message>
    <message>
      <source>The chat cannot be muted now</source>
      <translation>지금은 채팅을 알림 끄기할 수 없습니다</translation>
    </message>
    <message>
      <source>Muted {until}</source>
      <translation>알림 꺼짐: {until}</translation>
    </message>
    <message>
      <source>The server cannot be reached right now.</source>
      <translation>지금은 서버에 연결할 수 없습니다.</translation>
    </message>
    <message>
      <source>Mute this chat</source>
      <translation>이 대화 알림 끄기</translation>
    </message>
    <message>
      <source>Unmute</source>
      <translation>알림 켜기</translation>
    </message>
    <message>
      <source>Not muted</source>
      <translation>알림 켜짐</translation>
    </message>
    <message>
      <source>Tidings</source>
      <translation>Tidings</translation>
    </message>
    <message>
      <source>Finishing storing messages…</source>
      <translation>메시지를 마저 저장하는 중…</translation>
    </message>
    <message>
      <source>The chat could not be started</source>
      <translation>대화를 시작하지 못했습니다</translation>
    </message>
    <message>
      <source>The group could not be created</source>
      <translation>그룹을 만들지 못했습니다</translation>
    </message>
    <message>
      <source>People could not be added</source>
      <translation>멤버를 추가하지 못했습니다</translation>
    </message>
    <message>
      <source>{name} could not be removed</source>
      <translation>{name} 님을 내보내지 못했습니다</translation>
    </message>
    <message>
      <source>You could not leave the group</source>
      <translation>그룹에서 나가지 못했습니다</translation>
    </message>
    <message>
      <source>Your devices could not be listed</source>
      <translation>기기 목록을 불러오지 못했습니다</translation>
    </message>
    <message>
      <source>The device could not be signed out</source>
      <translation>기기를 로그아웃하지 못했습니다</translation>
    </message>
    <message>
      <source>The account could not be created</source>
      <translation>계정을 만들지 못했습니다</translation>
    </message>
    <message>
      <source>You could not log in</source>
      <translation>로그인하지 못했습니다</translation>
    </message>
    <message>
      <source>Read receipts cannot be changed now</source>
      <translation>지금은 읽음 확인 설정을 바꿀 수 없습니다</translation>
    </message>
    <message>
      <source>The server presents a different key than before. Ask its administrator whether it was reinstalled before you connect again.</source>
      <translation>서버가 전과 다른 키를 제시합니다. 다시 연결하기 전에 서버를 다시 설치했는지 관리자에게 확인하세요.</translation>
    </message>
    <message>
      <source>This server does not keep read receipts.</source>
      <translation>이 서버는 읽음 확인을 지원하지 않습니다.</translation>
    </message>
    <message>
      <source>There is no keyring to keep this device's sign-in safe. Install or unlock one (GNOME Keyring, KWallet) and try again.</source>
      <translation>이 기기의 로그인 정보를 안전하게 보관할 키링이 없습니다. 키링(GNOME Keyring, KWallet)을 설치하거나 잠금을 해제한 뒤 다시 시도하세요.</translation>
    </message>
    <message>
      <source>Something went wrong. Try again in a moment.</source>
      <translation>문제가 생겼습니다. 잠시 후 다시 시도하세요.</translation>
    </message>
    <message>
      <source>The server cannot be reached right now. Check the connection and try again.</source>
      <translation>지금은 서버에 연결할 수 없습니다. 연결을 확인하고 다시 시도하세요.</translation>
    </message>
    <message>
      <source>There is no user named {names}. Check the spelling.</source>
      <translation>{names}(이)라는 사용자가 없습니다. 철자를 확인하세요.</translation>
    </message>
    <message numerus="yes">
      <source>A group holds at most %n member(s) on this server.</source>
      <translation>
        <numerusform>이 서버에서 그룹 멤버는 최대 %n명입니다.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Your account already has %n device(s), as many as this server allows. Sign one out on another device (Account, Devices) first.</source>
      <translation>
        <numerusform>계정에 이미 이 서버가 허용하는 최대 기기 수인 %n대가 있습니다. 먼저 다른 기기에서 하나를 로그아웃하세요(계정, 기기).</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Too many tries. Wait %n second(s) and try again.</source>
      <translation>
        <numerusform>시도가 너무 많습니다. %n초 기다린 뒤 다시 시도하세요.</numerusform>
      </translation>
    </message>
    <message>
      <source>The name {name} is taken. Choose another one.</source>
      <translation>{name}(은)는 이미 쓰이는 이름입니다. 다른 이름을 고르세요.</translation>
    </message>
    <message>
      <source>The server could not do this ({code}).</source>
      <translation>서버가 이 작업을 하지 못했습니다({code}).</translation>
    </message>
    <message>
      <source>The user name or the password is wrong.</source>
      <translation>사용자 이름이나 비밀번호가 틀렸습니다.</translation>
    </message>
    <message>
      <source>This server does not take new accounts. Ask its administrator for one.</source>
      <translation>이 서버는 새 계정을 받지 않습니다. 관리자에게 계정을 요청하세요.</translation>
    </message>
    <message>
      <source>This device was signed out from another one.</source>
      <translation>다른 기기에서 이 기기를 로그아웃했습니다.</translation>
    </message>
    <message>
      <source>Only the group's owner can do this.</source>
      <translation>그룹 소유자만 할 수 있습니다.</translation>
    </message>
    <message>
      <source>This is a direct chat, not a group.</source>
      <translation>그룹이 아니라 1:1 대화입니다.</translation>
    </message>
    <message>
      <source>You are no longer in this chat.</source>
      <translation>더 이상 이 대화의 멤버가 아닙니다.</translation>
    </message>
    <message>
      <source>That device is already signed out.</source>
      <translation>그 기기는 이미 로그아웃되었습니다.</translation>
    </message>
    <message>
      <source>The server cannot store changes right now. Try again later.</source>
      <translation>지금은 서버가 변경 내용을 저장할 수 없습니다. 나중에 다시 시도하세요.</translation>
    </message>
    <message>
      <source>The server is busy. Try again in a moment.</source>
      <translation>서버가 바쁩니다. 잠시 후 다시 시도하세요.</translation>
    </message>
    <message>
      <source>To remove yourself, use Leave group.</source>
      <translation>자신을 내보내려면 그룹 나가기를 쓰세요.</translation>
    </message>
    <message>
      <source>{name} is not a member of this group.</source>
      <translation>{name} 님은 이 그룹의 멤버가 아닙니다.</translation>
    </message>
    <message>
      <source>{name}: {problem}</source>
      <translation>{name}: {problem}</translation>
    </message>
    <message>
      <source>The server did not accept what was typed. Check it and try again.</source>
      <translation>서버가 입력한 내용을 받아들이지 않았습니다. 확인하고 다시 시도하세요.</translation>
    </message>
    <message numerus="yes">
      <source>A user name has 1 to %n character(s).</source>
      <translation>
        <numerusform>사용자 이름은 1~%n자입니다.</numerusform>
      </translation>
    </message>
    <message>
      <source>A user name is written in one alphabet; this one mixes {scripts}, so it could pass for someone else's name.</source>
      <translation>사용자 이름은 한 가지 문자로 씁니다. 이 이름은 {scripts}을(를) 섞어 써서 다른 사람의 이름처럼 보일 수 있습니다.</translation>
    </message>
    <message numerus="yes">
      <source>Letters, digits, '.', '_' and '-', at most %n character(s).</source>
      <translation>
        <numerusform>문자, 숫자, '.', '_', '-'로 최대 %n자.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>At least %n character(s).</source>
      <translation>
        <numerusform>%n자 이상.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>A password has at least %n character(s).</source>
      <translation>
        <numerusform>비밀번호는 %n자 이상입니다.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>A password has at most %n character(s).</source>
      <translation>
        <numerusform>비밀번호는 최대 %n자입니다.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>A group name has 1 to %n character(s), without control characters.</source>
      <translation>
        <numerusform>그룹 이름은 제어 문자 없이 1~%n자입니다.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>A device name has 1 to %n character(s), without control characters.</source>
      <translation>
        <numerusform>기기 이름은 제어 문자 없이 1~%n자입니다.</numerusform>
      </translation>
    </message>
    <message>
      <source>Cancel (Esc)</source>
      <translation>취소 (Esc)</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>취소</translation>
    </message>
    <message>
      <source>Editing your message</source>
      <translation>메시지 수정 중</translation>
    </message>
    <message>
      <source>Replying to yourself</source>
      <translation>나에게 답장</translation>
    </message>
    <message>
      <source>Replying to {sender}</source>
      <translation>{sender} 님에게 답장</translation>
    </message>
    <message>
      <source>&amp;Server</source>
      <translation>서버(&amp;S)</translation>
    </message>
    <message>
      <source>Server panel…</source>
      <translation>서버 패널…</translation>
    </message>
    <message>
      <source>Connection…</source>
      <translation>연결…</translation>
    </message>
    <message>
      <source>Server panel</source>
      <translation>서버 패널</translation>
    </message>
    <message>
      <source>Address for other computers</source>
      <translation>다른 컴퓨터에서 쓸 주소</translation>
    </message>
    <message>
      <source>The other computer shows a fingerprint when it first connects and asks whether to trust it: check that it is this one.</source>
      <translation>다른 컴퓨터는 처음 연결할 때 지문을 보여 주고 신뢰할지 묻습니다. 그 지문이 이것과 같은지 확인하세요.</translation>
    </message>
    <message>
      <source>Connected now</source>
      <translation>지금 연결된 기기</translation>
    </message>
    <message>
      <source>Registration</source>
      <translation>가입</translation>
    </message>
    <message>
      <source>Open: anyone who can reach this server can create an account.</source>
      <translation>열림: 이 서버에 접속할 수 있는 누구나 계정을 만들 수 있습니다.</translation>
    </message>
    <message>
      <source>Closed: only existing accounts can sign in.</source>
      <translation>닫힘: 이미 있는 계정만 로그인할 수 있습니다.</translation>
    </message>
    <message>
      <source>Only this computer can connect: “Let other computers on this network connect” was off when this server was set up.</source>
      <translation>이 컴퓨터에서만 연결할 수 있습니다. 서버를 만들 때 “같은 네트워크의 다른 컴퓨터도 연결할 수 있게 하기”가 꺼져 있었습니다.</translation>
    </message>
    <message>
      <source>This computer has no network address right now.</source>
      <translation>이 컴퓨터에 지금은 네트워크 주소가 없습니다.</translation>
    </message>
    <message>
      <source>On the other computer, choose “Connect to a server” and type one of these (the one on the same network as that computer).</source>
      <translation>다른 컴퓨터에서 “서버에 연결하기”를 고르고 이 중 하나(그 컴퓨터와 같은 네트워크의 주소)를 입력하세요.</translation>
    </message>
    <message>
      <source>{user} — {device}</source>
      <translation>{user} — {device}</translation>
    </message>
    <message>
      <source>Nobody is connected.</source>
      <translation>연결된 기기가 없습니다.</translation>
    </message>
    <message>
      <source>General</source>
      <translation>일반</translation>
    </message>
    <message>
      <source>Notifications</source>
      <translation>알림</translation>
    </message>
    <message>
      <source>Privacy</source>
      <translation>개인정보</translation>
    </message>
    <message>
      <source>Storage</source>
      <translation>저장 공간</translation>
    </message>
    <message>
      <source>never</source>
      <translation>없음</translation>
    </message>
    <message>
      <source>New sign-in: {device} at {time}</source>
      <translation>새 로그인: {device}, {time}</translation>
    </message>
    <message>
      <source>The new password needs at least {count} characters.</source>
      <translation>새 비밀번호는 {count}자 이상이어야 합니다.</translation>
    </message>
    <message>
      <source>This server cannot change passwords. Its administrator can set a new one for you.</source>
      <translation>이 서버에서는 비밀번호를 바꿀 수 없습니다. 서버 관리자가 새 비밀번호를 정해 줄 수 있습니다.</translation>
    </message>
    <message>
      <source>The current password is wrong.</source>
      <translation>현재 비밀번호가 틀렸습니다.</translation>
    </message>
    <message>
      <source>Too many attempts. Try again in {seconds} s.</source>
      <translation>시도가 너무 많습니다. {seconds}초 뒤에 다시 해 보세요.</translation>
    </message>
    <message>
      <source>Sign out of this device…</source>
      <translation>이 기기에서 로그아웃…</translation>
    </message>
    <message>
      <source>Change password</source>
      <translation>비밀번호 바꾸기</translation>
    </message>
    <message>
      <source>Your devices stay signed in. Use the new password when you sign in on another device.</source>
      <translation>기기들은 로그인된 채로 남습니다. 다른 기기에서 로그인할 때 새 비밀번호를 쓰세요.</translation>
    </message>
    <message>
      <source>Current password</source>
      <translation>현재 비밀번호</translation>
    </message>
    <message>
      <source>New password</source>
      <translation>새 비밀번호</translation>
    </message>
    <message>
      <source>New password again</source>
      <translation>새 비밀번호 확인</translation>
    </message>
    <message>
      <source>The new passwords differ.</source>
      <translation>새 비밀번호가 서로 다릅니다.</translation>
    </message>
    <message>
      <source>Changing…</source>
      <translation>바꾸는 중…</translation>
    </message>
    <message>
      <source>Password changed. Your devices stay signed in.</source>
      <translation>비밀번호를 바꿨습니다. 기기들은 로그인된 채로 남습니다.</translation>
    </message>
    <message>
      <source>Devices</source>
      <translation>기기</translation>
    </message>
    <message>
      <source>Device</source>
      <translation>기기</translation>
    </message>
    <message>
      <source>Added</source>
      <translation>추가됨</translation>
    </message>
    <message>
      <source>Last seen</source>
      <translation>마지막 접속</translation>
    </message>
    <message>
      <source>Sign out selected device…</source>
      <translation>선택한 기기 로그아웃…</translation>
    </message>
    <message>
      <source>Refresh</source>
      <translation>새로 고침</translation>
    </message>
    <message>
      <source> (this device)</source>
      <translation> (이 기기)</translation>
    </message>
    <message>
      <source> (new sign-in)</source>
      <translation> (새 로그인)</translation>
    </message>
    <message>
      <source>Choose a device in the list to sign it out.</source>
      <translation>로그아웃할 기기를 목록에서 고르세요.</translation>
    </message>
    <message>
      <source>To sign out this device, use Sign out of this device below.</source>
      <translation>이 기기에서 로그아웃하려면 아래의 '이 기기에서 로그아웃…'을 사용하세요.</translation>
    </message>
    <message>
      <source>Sign out {device}? It stops receiving messages, and someone using it has to log in again.</source>
      <translation>{device}에서 로그아웃할까요? 그 기기는 더 이상 메시지를 받지 않고, 쓰려면 다시 로그인해야 합니다.</translation>
    </message>
    <message>
      <source>Sign out {device}?</source>
      <translation>{device}에서 로그아웃할까요?</translation>
    </message>
    <message>
      <source>Sign out</source>
      <translation>로그아웃</translation>
    </message>
    <message>
      <source>A display name has at most {count} characters.</source>
      <translation>표시 이름은 {count}자까지 쓸 수 있습니다.</translation>
    </message>
    <message>
      <source>A display name may not contain control characters.</source>
      <translation>표시 이름에는 제어 문자를 쓸 수 없습니다.</translation>
    </message>
    <message>
      <source>This server does not keep display names.</source>
      <translation>이 서버는 표시 이름을 보관하지 않습니다.</translation>
    </message>
    <message>
      <source>Display name</source>
      <translation>표시 이름</translation>
    </message>
    <message>
      <source>Shown to everyone who shares a chat with you, instead of your user name. 1 to {count} characters, no control characters; leave it blank to be shown by your user name. Mentions stay @{user}.</source>
      <translation>나와 대화를 함께하는 모든 사람에게 사용자 이름 대신 보입니다. 1~{count}자, 제어 문자 없이 쓰세요. 비워 두면 사용자 이름으로 보입니다. 멘션은 그대로 @{user}입니다.</translation>
    </message>
    <message>
      <source>This can be changed while the server is reachable.</source>
      <translation>서버에 연결되어 있을 때 바꿀 수 있습니다.</translation>
    </message>
    <message>
      <source>Saving…</source>
      <translation>저장하는 중…</translation>
    </message>
    <message>
      <source>Saved. Others now see you as {name}.</source>
      <translation>저장했습니다. 이제 다른 사람에게 {name}(으)로 보입니다.</translation>
    </message>
    <message>
      <source>Saved. Others now see your user name.</source>
      <translation>저장했습니다. 이제 다른 사람에게 사용자 이름이 보입니다.</translation>
    </message>
    <message>
      <source>{used} of {budget}</source>
      <translation>{budget} 중 {used}</translation>
    </message>
    <message>
      <source>{size} still to upload</source>
      <translation>{size} 올리기 대기 중</translation>
    </message>
    <message>
      <source>Downloaded files</source>
      <translation>내려받은 파일</translation>
    </message>
    <message>
      <source>Clear downloads…</source>
      <translation>내려받은 파일 지우기…</translation>
    </message>
    <message>
      <source>Files you open are kept on this device so that they open at once, offline too. When they need more than this space, those opened longest ago go first; they are downloaded again when opened. Files still being sent are always kept.</source>
      <translation>연 파일은 이 기기에 보관되어 오프라인에서도 바로 열립니다. 이 공간보다 많아지면 가장 오래전에 연 파일부터 지워지고, 다시 열 때 새로 내려받습니다. 아직 보내는 중인 파일은 항상 보관됩니다.</translation>
    </message>
    <message>
      <source>Kept now</source>
      <translation>현재 보관량</translation>
    </message>
    <message>
      <source>Space for files</source>
      <translation>파일 보관 공간</translation>
    </message>
    <message>
      <source>Clear downloaded files?</source>
      <translation>내려받은 파일을 지울까요?</translation>
    </message>
    <message>
      <source>The files kept on this device are removed from it; each is downloaded again when you open it. Files still being sent are kept.</source>
      <translation>이 기기에 보관된 파일이 지워집니다. 파일을 다시 열면 새로 내려받습니다. 아직 보내는 중인 파일은 남습니다.</translation>
    </message>
    <message>
      <source>Clear downloads</source>
      <translation>내려받은 파일 지우기</translation>
    </message>
    <message>
      <source>Follow system</source>
      <translation>시스템 설정 따르기</translation>
    </message>
    <message>
      <source>The new language shows when Tidings starts next.</source>
      <translation>새 언어는 Tidings를 다음에 시작할 때 적용됩니다.</translation>
    </message>
    <message>
      <source>Start minimised to the tray</source>
      <translation>트레이로 최소화한 채 시작</translation>
    </message>
    <message>
      <source>The window opens when you click the tray icon.</source>
      <translation>트레이 아이콘을 클릭하면 창이 열립니다.</translation>
    </message>
    <message>
      <source>This desktop has no tray: the window starts minimised instead.</source>
      <translation>이 데스크톱에는 트레이가 없어서 창이 최소화된 채 시작합니다.</translation>
    </message>
    <message>
      <source>Start Tidings when you log in</source>
      <translation>로그인할 때 Tidings 시작</translation>
    </message>
    <message>
      <source>Through the entry {path}</source>
      <translation>자동 시작 항목: {path}</translation>
    </message>
    <message>
      <source>Starting at login is not supported on this system yet.</source>
      <translation>이 시스템에서는 아직 로그인할 때 시작하기를 지원하지 않습니다.</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>언어</translation>
    </message>
    <message>
      <source>Not done: {reason}</source>
      <translation>하지 못했습니다: {reason}</translation>
    </message>
    <message>
      <source>Not saved: {reason}</source>
      <translation>저장하지 못했습니다: {reason}</translation>
    </message>
    <message>
      <source>Send read receipts</source>
      <translation>읽음 확인 보내기</translation>
    </message>
    <message>
      <source>When this is off, others see that their messages reached you, not that you read them. It applies on all your devices.</source>
      <translation>끄면 다른 사람은 메시지가 전달된 것만 보고 읽었는지는 보지 못합니다. 모든 기기에 적용됩니다.</translation>
    </message>
    <message>
      <source>Clear cache…</source>
      <translation>캐시 지우기…</translation>
    </message>
    <message>
      <source>The cache keeps your chats on this device, so that they open at once and can be read offline. Clearing it removes them from this device only: messages you have not sent yet are kept, and Tidings fetches the chats again from the server.</source>
      <translation>캐시는 대화를 이 기기에 보관해서 바로 열리고 오프라인에서도 읽을 수 있게 합니다. 지우면 이 기기에서만 사라집니다. 아직 보내지 않은 메시지는 남고, Tidings가 서버에서 대화를 다시 가져옵니다.</translation>
    </message>
    <message>
      <source>Location</source>
      <translation>위치</translation>
    </message>
    <message>
      <source>Size</source>
      <translation>크기</translation>
    </message>
    <message>
      <source>Clear the cache?</source>
      <translation>캐시를 지울까요?</translation>
    </message>
    <message>
      <source>Your chats are removed from this device and fetched again from the server. Messages you have not sent yet are kept.</source>
      <translation>대화가 이 기기에서 지워지고 서버에서 다시 가져옵니다. 아직 보내지 않은 메시지는 남습니다.</translation>
    </message>
    <message>
      <source>Clear cache</source>
      <translation>캐시 지우기</translation>
    </message>
    <message>
      <source>Clearing…</source>
      <translation>지우는 중…</translation>
    </message>
    <message>
      <source>Cleared. Your chats are being fetched again.</source>
      <translation>지웠습니다. 대화를 다시 가져오는 중입니다.</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>설정</translation>
    </message>
    <message>
      <source>Change…</source>
      <translation>변경…</translation>
    </message>
    <message>
      <source>Mentions of me notify in muted chats</source>
      <translation>알림을 끈 채팅에서도 나를 언급하면 알림</translation>
    </message>
    <message>
      <source>Show notifications</source>
      <translation>알림 표시</translation>
    </message>
    <message>
      <source>Show the message's text</source>
      <translation>메시지 내용 표시</translation>
    </message>
    <message>
      <source>Play a sound</source>
      <translation>소리 재생</translation>
    </message>
    <message>
      <source>On this device</source>
      <translation>이 기기에서</translation>
    </message>
    <message>
      <source>These apply on all your devices.</source>
      <translation>내 모든 기기에 적용됩니다.</translation>
    </message>
    <message>
      <source>Your server does not keep these for your other devices: they apply on this device only.</source>
      <translation>서버가 다른 기기와 이 설정을 공유하지 않습니다: 이 기기에만 적용됩니다.</translation>
    </message>
    <message>
      <source>The setting cannot be changed now</source>
      <translation>지금은 설정을 바꿀 수 없습니다</translation>
    </message>
    <message>
      <source>Sign out of this device?</source>
      <translation>이 기기에서 로그아웃할까요?</translation>
    </message>
    <message>
      <source>The messages, unsent messages and sign-in details this device keeps are removed from it. Your account and its messages stay on the server and on your other devices.</source>
      <translation>이 기기에 저장된 메시지, 보내지 않은 메시지, 로그인 정보가 지워집니다. 계정과 메시지는 서버와 다른 기기에 그대로 남습니다.</translation>
    </message>
    <message>
      <source>The server could not be reached, so this device was signed out here only. It stays in your account's device list, and counts towards its limit, until you sign it out from another device (Account &gt; Devices).</source>
      <translation>서버에 연결할 수 없어 이 기기에서만 로그아웃했습니다. 다른 기기에서 이 기기를 로그아웃하기 전까지(계정 &gt; 기기) 계정의 기기 목록에 남고 기기 수 제한에도 포함됩니다.</translation>
    </message>
    <message>
      <source>This device was signed out: it was removed from your account on another device, or by the server's administrator. The server no longer lets it in.</source>
      <translation>이 기기는 로그아웃되었습니다. 다른 기기에서 또는 서버 관리자가 계정에서 이 기기를 제거했습니다. 서버가 더 이상 이 기기를 받아들이지 않습니다.</translation>
    </message>
    <message>
      <source>The server no longer knows this device (its database may have been replaced), so it cannot connect as before.</source>
      <translation>서버가 더 이상 이 기기를 알지 못합니다(서버 데이터베이스가 바뀌었을 수 있습니다). 그래서 전처럼 연결할 수 없습니다.</translation>
    </message>
    <message>
      <source>To use Tidings here again, sign in again. The messages, unsent messages and sign-in details this device kept are removed first; your account keeps its messages on the server.</source>
      <translation>이 기기에서 Tidings를 다시 쓰려면 다시 로그인하세요. 먼저 이 기기에 저장된 메시지, 보내지 않은 메시지, 로그인 정보를 지웁니다. 계정의 메시지는 서버에 남아 있습니다.</translation>
    </message>
    <message>
      <source>Sign in again</source>
      <translation>다시 로그인</translation>
    </message>
    <message>
      <source>Quit</source>
      <translation>종료</translation>
    </message>
    <message>
      <source>bytes</source>
      <translation>바이트</translation>
    </message>
    <message>
      <source>KB</source>
      <translation>KB</translation>
    </message>
    <message>
      <source>MB</source>
      <translation>MB</translation>
    </message>
    <message>
      <source>GB</source>
      <translation>GB</translation>
    </message>
    <message>
      <source>TB</source>
      <translation>TB</translation>
    </message>
    <message>
      <source>{number} {unit}</source>
      <translation>{number} {unit}</translation>
    </message>
    <message>
      <source>{done} of {size}</source>
      <translation>{size} 중 {done}</translation>
    </message>
    <message>
      <source>{kind} image</source>
      <translation>{kind} 이미지</translation>
    </message>
    <message>
      <source>Image</source>
      <translation>이미지</translation>
    </message>
    <message>
      <source>{kind} file</source>
      <translation>{kind} 파일</translation>
    </message>
    <message>
      <source>File</source>
      <translation>파일</translation>
    </message>
    <message>
      <source>Catching up: {fetched} of {total}</source>
      <translation>새 메시지 받는 중: {total}개 중 {fetched}개</translation>
    </message>
    <message>
      <source>Catching up…</source>
      <translation>새 메시지 받는 중…</translation>
    </message>
    <message>
      <source>Up to date</source>
      <translation>최신 상태</translation>
    </message>
    <message>
      <source>Up to date · synced {time}</source>
      <translation>최신 상태 · {time}에 동기화됨</translation>
    </message>
    <message>
      <source>Offline — showing saved messages</source>
      <translation>오프라인 — 저장된 메시지를 보여 줍니다</translation>
    </message>
    <message>
      <source>Connecting…</source>
      <translation>연결 중…</translation>
    </message>
    <message>
      <source>Stopped</source>
      <translation>중지됨</translation>
    </message>
    <message>
      <source>last synced just now</source>
      <translation>방금 동기화됨</translation>
    </message>
    <message>
      <source>last synced a minute ago</source>
      <translation>1분 전에 동기화됨</translation>
    </message>
    <message>
      <source>last synced {count} minutes ago</source>
      <translation>{count}분 전에 동기화됨</translation>
    </message>
    <message>
      <source>last synced an hour ago</source>
      <translation>1시간 전에 동기화됨</translation>
    </message>
    <message>
      <source>last synced {count} hours ago</source>
      <translation>{count}시간 전에 동기화됨</translation>
    </message>
    <message>
      <source>last synced {when}</source>
      <translation>{when}에 마지막으로 동기화됨</translation>
    </message>
    <message>
      <source>Open Tidings</source>
      <translation>Tidings 열기</translation>
    </message>
    <message>
      <source>Tidings — {count} unread</source>
      <translation>Tidings — 읽지 않은 메시지 {count}개</translation>
    </message>
    <message>
      <source>typing…</source>
      <translation>입력 중…</translation>
    </message>
    <message>
      <source>{names} is typing…</source>
      <translation>{names} 님이 입력 중…</translation>
    </message>
    <message>
      <source>Tidings — {user} ({count})</source>
      <translation>Tidings — {user} ({count})</translation>
    </message>
    <message>
      <source>Tidings — {user}</source>
      <translation>Tidings — {user}</translation>
    </message>
  </context>
</TS>
